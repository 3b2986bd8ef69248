//! The block processor allocates nothing after `prepare`, whatever the
//! block sizes and control changes: counted by a global allocator that
//! this test binary installs. Only the test's own thread is counted: the
//! test harness's main thread does its bookkeeping (which allocates) while
//! the test runs.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use audio_models::effects::{TcnEffect, TcnEffectConfig};

struct Counting;

thread_local! {
    /// Whether this thread's allocations are counted (const-initialised and
    /// without a destructor, so reading it from the allocator allocates
    /// nothing).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn process_block_allocates_nothing_after_prepare() {
    for dc in [None, Some(10.0)] {
        let e = TcnEffect::random_overdrive(5, Default::default()).unwrap();
        let config = TcnEffectConfig {
            dc_block_hz: dc,
            ..e.config().clone()
        };
        let e = TcnEffect::from_tensors(config, e.tensors().clone()).unwrap();
        let mut proc = e.processor().unwrap();
        proc.prepare(48_000, 512).unwrap();
        let input: Vec<f32> = (0..512).map(|t| (t as f32 * 0.01).sin()).collect();
        let mut output = vec![0f32; 512];
        ALLOCATIONS.store(0, Ordering::SeqCst);
        COUNTING.with(|c| c.set(true));
        for (i, n) in [512, 64, 1, 300, 512, 17]
            .into_iter()
            .cycle()
            .take(60)
            .enumerate()
        {
            if i % 7 == 3 {
                proc.set_param("x", (i as f64 * 0.1).sin()).unwrap();
            }
            if i == 40 {
                proc.reset();
            }
            proc.process_block(&[&input[..n]], &mut [&mut output[..n]])
                .unwrap();
        }
        COUNTING.with(|c| c.set(false));
        assert_eq!(
            ALLOCATIONS.load(Ordering::SeqCst),
            0,
            "allocations in process_block"
        );
        assert!(output.iter().all(|v| v.is_finite()));
    }
}
