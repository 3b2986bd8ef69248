//! Maximum bipartite matching as `mir_eval.util._bipartite_match` computes it,
//! and event matching within a window (`mir_eval.util.match_events`).
//!
//! mir_eval builds a graph `G` whose keys are estimate indices, in the order
//! in which they first appear among the hits, each holding the list of
//! reference indices it may be matched to, and runs Hopcroft–Karp on it
//! (`_bipartite_match`, after David Eppstein's recipe). The size of a maximum
//! matching is unique, so precision, recall and F-measure only need *a*
//! maximum matching; the average overlap ratio of transcription, though,
//! averages over the matched pairs, so we reproduce mir_eval's algorithm step
//! by step, including its Python dictionary iteration order, to get the same
//! pairs.

/// The adjacency of `mir_eval`'s matching graph: estimate indices in the
/// order they were first inserted, each with its reference indices in
/// insertion order.
#[derive(Debug, Clone, Default)]
pub struct HitGraph {
    /// Estimate indices in insertion order (the keys of mir_eval's `G`).
    order: Vec<usize>,
    /// `adjacency[e]`: the reference indices estimate `e` may match.
    adjacency: Vec<Vec<usize>>,
    /// Number of reference items.
    n_ref: usize,
}

impl HitGraph {
    /// An empty graph over `n_ref` reference and `n_est` estimated items.
    pub fn new(n_ref: usize, n_est: usize) -> Self {
        Self {
            order: Vec::new(),
            adjacency: vec![Vec::new(); n_est],
            n_ref,
        }
    }

    /// Records a hit, as `G.setdefault(est_i, []).append(ref_i)` does.
    pub fn add(&mut self, ref_i: usize, est_i: usize) {
        let list = &mut self.adjacency[est_i];
        if list.is_empty() {
            self.order.push(est_i);
        }
        list.push(ref_i);
    }

    /// The number of recorded hits.
    #[cfg(test)]
    pub fn n_hits(&self) -> usize {
        self.adjacency.iter().map(Vec::len).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pred {
    /// Not a key of mir_eval's `pred` dictionary.
    Absent,
    /// `pred[u] is unmatched`: a free left vertex (layer 0).
    Root,
    /// `pred[u] = v`: reached through reference vertex `v`.
    Via(usize),
}

/// A maximum matching of `graph`, as `sorted(_bipartite_match(G).items())`:
/// `(reference index, estimate index)` pairs sorted by reference index.
pub fn bipartite_match(graph: &HitGraph) -> Vec<(usize, usize)> {
    let n_ref = graph.n_ref;
    let n_est = graph.adjacency.len();
    // matching[v] = u (reference -> estimate).
    let mut matching: Vec<Option<usize>> = vec![None; n_ref];
    // Greedy initial matching, in G's key order.
    for &u in &graph.order {
        for &v in &graph.adjacency[u] {
            if matching[v].is_none() {
                matching[v] = Some(u);
                break;
            }
        }
    }
    let mut pred = vec![Pred::Absent; n_est];
    let mut preds: Vec<Option<Vec<usize>>> = vec![None; n_ref];
    // Position of a reference vertex in the layer under construction.
    let mut new_layer_pos: Vec<usize> = vec![usize::MAX; n_ref];
    loop {
        for p in preds.iter_mut() {
            *p = None;
        }
        for &u in &graph.order {
            pred[u] = Pred::Root;
        }
        for m in matching.iter().flatten() {
            pred[*m] = Pred::Absent;
        }
        let mut unmatched: Vec<usize> = Vec::new();
        let mut layer: Vec<usize> = graph
            .order
            .iter()
            .copied()
            .filter(|&u| pred[u] == Pred::Root)
            .collect();
        while !layer.is_empty() && unmatched.is_empty() {
            let mut keys: Vec<usize> = Vec::new();
            let mut lists: Vec<Vec<usize>> = Vec::new();
            for &u in &layer {
                for &v in &graph.adjacency[u] {
                    if preds[v].is_none() {
                        let pos = new_layer_pos[v];
                        if pos == usize::MAX {
                            new_layer_pos[v] = keys.len();
                            keys.push(v);
                            lists.push(vec![u]);
                        } else {
                            lists[pos].push(u);
                        }
                    }
                }
            }
            layer.clear();
            for (v, list) in keys.into_iter().zip(lists) {
                new_layer_pos[v] = usize::MAX;
                preds[v] = Some(list);
                if let Some(mu) = matching[v] {
                    layer.push(mu);
                    pred[mu] = Pred::Via(v);
                } else {
                    unmatched.push(v);
                }
            }
        }
        if unmatched.is_empty() {
            let mut out: Vec<(usize, usize)> = matching
                .iter()
                .enumerate()
                .filter_map(|(v, u)| u.map(|u| (v, u)))
                .collect();
            out.sort_unstable();
            return out;
        }
        for &v in &unmatched {
            augment(v, &mut preds, &mut pred, &mut matching);
        }
    }
}

/// One frame of mir_eval's recursive `recurse(v)`, run on an explicit stack
/// so that long augmenting paths cannot overflow the call stack.
struct Frame {
    v: usize,
    list: Vec<usize>,
    next: usize,
    pending_u: usize,
}

/// `recurse(v)` of `_bipartite_match`: searches an augmenting path back from
/// the free reference vertex `v` through the layered graph and flips it.
fn augment(
    start: usize,
    preds: &mut [Option<Vec<usize>>],
    pred: &mut [Pred],
    matching: &mut [Option<usize>],
) {
    let mut stack: Vec<Frame> = Vec::new();
    if let Some(list) = preds[start].take() {
        stack.push(Frame {
            v: start,
            list,
            next: 0,
            pending_u: usize::MAX,
        });
    } else {
        return;
    }
    // The result of the call that just returned to the top frame.
    let mut returned: Option<bool> = None;
    while let Some(top) = stack.last_mut() {
        if let Some(ok) = returned.take() {
            if ok {
                matching[top.v] = Some(top.pending_u);
                stack.pop();
                returned = Some(true);
                continue;
            }
        }
        let mut descend: Option<usize> = None;
        let mut done: Option<bool> = None;
        while top.next < top.list.len() {
            let u = top.list[top.next];
            top.next += 1;
            let pu = pred[u];
            if pu == Pred::Absent {
                continue;
            }
            pred[u] = Pred::Absent;
            match pu {
                Pred::Root => {
                    matching[top.v] = Some(u);
                    done = Some(true);
                    break;
                }
                Pred::Via(pv) => {
                    top.pending_u = u;
                    if preds[pv].is_some() {
                        descend = Some(pv);
                        break;
                    }
                    // recurse(pv) returns False at once: keep scanning.
                }
                Pred::Absent => unreachable!("checked above"),
            }
        }
        if let Some(pv) = descend {
            let list = preds[pv].take().unwrap_or_default();
            stack.push(Frame {
                v: pv,
                list,
                next: 0,
                pending_u: usize::MAX,
            });
            continue;
        }
        stack.pop();
        returned = Some(done.unwrap_or(false));
    }
}

/// `mir_eval.util._fast_hit_windows` + `match_events`: matches sorted-or-not
/// event times within `window`, counting a hit when
/// `ref >= est - window` and `ref <= est + window` (computed as mir_eval does
/// with `searchsorted` on the sorted references).
pub fn match_events(reference: &[f64], estimate: &[f64], window: f64) -> Vec<(usize, usize)> {
    let mut ref_idx: Vec<usize> = (0..reference.len()).collect();
    ref_idx.sort_by(|&a, &b| reference[a].total_cmp(&reference[b]));
    let sorted: Vec<f64> = ref_idx.iter().map(|&i| reference[i]).collect();
    let mut graph = HitGraph::new(reference.len(), estimate.len());
    for (j, &e) in estimate.iter().enumerate() {
        let lo = e - window;
        let hi = e + window;
        let start = sorted.partition_point(|&r| r < lo);
        let end = sorted.partition_point(|&r| r <= hi);
        for &i in &ref_idx[start..end.max(start)] {
            graph.add(i, j);
        }
    }
    bipartite_match(&graph)
}

/// The size of a maximum matching of events within `window` where the
/// distance is `min(|a - b| mod 12, 12 - |a - b| mod 12)` on pitch classes,
/// as `match_events(..., distance=_outer_distance_mod_n)` in
/// `mir_eval.multipitch`.
pub fn match_events_mod_12(reference: &[f64], estimate: &[f64], window: f64) -> usize {
    let ref_mod: Vec<f64> = reference.iter().map(|&r| python_mod(r, 12.0)).collect();
    let est_mod: Vec<f64> = estimate.iter().map(|&e| python_mod(e, 12.0)).collect();
    let mut graph = HitGraph::new(reference.len(), estimate.len());
    for (i, &r) in ref_mod.iter().enumerate() {
        for (j, &e) in est_mod.iter().enumerate() {
            let d = (r - e).abs();
            if d.min(12.0 - d) <= window {
                graph.add(i, j);
            }
        }
    }
    bipartite_match(&graph).len()
}

/// `np.mod(a, b)` for floats: the remainder with the sign of `b`.
pub fn python_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0_f64.copysign(b)
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force maximum matching size by augmenting paths (Kuhn).
    fn kuhn(graph: &HitGraph) -> usize {
        fn try_kuhn(
            u: usize,
            g: &HitGraph,
            seen: &mut [bool],
            owner: &mut [Option<usize>],
        ) -> bool {
            for &v in &g.adjacency[u] {
                if !seen[v] {
                    seen[v] = true;
                    if owner[v].is_none_or(|w| try_kuhn(w, g, seen, owner)) {
                        owner[v] = Some(u);
                        return true;
                    }
                }
            }
            false
        }
        let mut owner = vec![None; graph.n_ref];
        let mut count = 0;
        for &u in &graph.order {
            let mut seen = vec![false; graph.n_ref];
            if try_kuhn(u, graph, &mut seen, &mut owner) {
                count += 1;
            }
        }
        count
    }

    #[test]
    fn matches_brute_force_size_on_pseudo_random_graphs() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let n_ref = (next() % 9) as usize + 1;
            let n_est = (next() % 9) as usize + 1;
            let mut g = HitGraph::new(n_ref, n_est);
            for i in 0..n_ref {
                for j in 0..n_est {
                    if next() % 3 == 0 {
                        g.add(i, j);
                    }
                }
            }
            let m = bipartite_match(&g);
            assert_eq!(m.len(), kuhn(&g), "graph with {} hits", g.n_hits());
            // A valid matching: each side used at most once, every pair an edge.
            let mut used_est = vec![false; n_est];
            for &(r, e) in &m {
                assert!(!used_est[e]);
                used_est[e] = true;
                assert!(g.adjacency[e].contains(&r));
            }
        }
    }

    #[test]
    fn python_mod_follows_numpy() {
        assert_eq!(python_mod(13.0, 12.0), 1.0);
        assert_eq!(python_mod(-1.0, 12.0), 11.0);
        assert_eq!(python_mod(0.25, -1.0), -0.75);
        assert!(python_mod(1.0, -1.0).is_sign_negative());
    }
}
