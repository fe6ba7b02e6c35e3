//! `Event` and `EventQueue`: what happens next, in global time order. Ties are broken by
//! insertion order, so a run is deterministic.

use super::clock::Micros;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One thing the world does at a point in global time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    /// Node `node` runs one runner step (ignored if `generation` is stale).
    Step {
        /// The node.
        node: usize,
        /// The node's step generation when scheduled.
        generation: u64,
    },
    /// Node `node`'s step in flight has waited long enough: poll it again (ignored unless
    /// that step, `flight`, is still the one under way).
    Resume {
        /// The node.
        node: usize,
        /// The step's number.
        flight: u64,
    },
    /// Replication progress and client writes.
    Tick,
    /// The operator writes the full bootstrap configuration into `config` (as
    /// `patronictl edit-config` would), so every key of the run's config is in force.
    EditConfig,
    /// The chaos phase injects a random fault.
    Fault,
    /// A frozen agent resumes.
    Unfreeze(usize),
    /// A crashed node comes back (agent restarts; it decides what to do with PostgreSQL),
    /// unless it crashed again since (`crashes` is the node's crash count when scheduled).
    Restart {
        /// The node.
        node: usize,
        /// Its crash count when the restart was scheduled.
        crashes: u64,
    },
    /// The heal phase starts: every fault is removed.
    Heal,
    /// ttl + loop_wait + bound after the heal: a writable primary must exist.
    LivenessDeadline,
    /// The end of the run: every node must replicate from the primary.
    End,
}

/// A time-ordered queue of events.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<(Micros, u64, Event)>>,
    seq: u64,
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> EventQueue {
        EventQueue::default()
    }

    /// Schedules `event` at global time `at`.
    pub fn push(&mut self, at: Micros, event: Event) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, event)));
    }

    /// The earliest event and its time.
    pub fn pop(&mut self) -> Option<(Micros, Event)> {
        self.heap.pop().map(|Reverse((at, _, event))| (at, event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(20, Event::Tick);
        q.push(10, Event::Heal);
        q.push(10, Event::Fault);
        assert_eq!(q.peek_time(), Some(10));
        assert_eq!(q.pop(), Some((10, Event::Heal)));
        assert_eq!(q.pop(), Some((10, Event::Fault)));
        assert_eq!(q.pop(), Some((20, Event::Tick)));
        assert_eq!(q.pop(), None);
    }
}
