//! Progress of a long stage: a terminal progress bar for the command line,
//! and the same positions passed to whoever listens on this thread (`audio
//! serve` runs each job's command on a worker thread and shows its
//! progress to the client).

use std::cell::RefCell;

use indicatif::{ProgressBar, ProgressStyle};

/// A listener: the stage's name and the fraction of it done (0 to 1).
pub type Sink = Box<dyn Fn(&str, f64)>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` listening to this thread's stages.
pub fn with_sink<R>(sink: Sink, f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            SINK.with(|s| s.borrow_mut().take());
        }
    }
    SINK.with(|s| *s.borrow_mut() = Some(sink));
    let _reset = Reset;
    f()
}

fn report(stage: &str, fraction: f64) {
    SINK.with(|s| {
        if let Some(sink) = s.borrow().as_ref() {
            sink(stage, fraction.clamp(0.0, 1.0));
        }
    });
}

/// A stage of `len` units (samples): a bar on the terminal, and the
/// fraction done for the listener.
pub struct StageBar {
    bar: ProgressBar,
    stage: &'static str,
    len: u64,
    done: u64,
}

impl StageBar {
    /// A bar named `stage` over `len` units.
    pub fn new(len: u64, stage: &'static str) -> Self {
        let bar = ProgressBar::new(len);
        let template = format!(
            "{{spinner}} {stage:<12} [{{bar:40}}] {{percent}}% {{elapsed_precise}} (eta {{eta}})"
        );
        bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        report(stage, 0.0);
        Self {
            bar,
            stage,
            len,
            done: 0,
        }
    }

    /// Keeps the spinner turning while the first units are computed.
    pub fn enable_steady_tick(&self) {
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(200));
    }

    /// `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.bar.inc(n);
        self.done = self.done.saturating_add(n);
        #[allow(clippy::cast_precision_loss, reason = "sample counts")]
        report(self.stage, self.done as f64 / self.len.max(1) as f64);
    }

    /// Ends the stage and clears the bar.
    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
        report(self.stage, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn the_listener_sees_each_stage_from_0_to_1_and_only_while_set() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        with_sink(
            Box::new(move |stage, f| log.borrow_mut().push((stage.to_string(), f))),
            || {
                let mut bar = StageBar::new(200, "separating");
                bar.inc(50);
                bar.inc(150);
                bar.finish_and_clear();
            },
        );
        // No listener any more: nothing recorded.
        let mut bar = StageBar::new(10, "later");
        bar.inc(10);
        let seen = seen.borrow();
        let fractions: Vec<f64> = seen.iter().map(|(_, f)| *f).collect();
        assert_eq!(fractions, [0.0, 0.25, 1.0, 1.0]);
        assert!(seen.iter().all(|(s, _)| s == "separating"));
    }
}
