//! Who may spend argon2 time: a failure budget per public key, one verification per key at a time,
//! and a bounded first-come queue for the shared argon2 slots.
//!
//! A flood of wrong secrets against one known public key therefore costs at most one argon2 run at
//! a time, and once the key's budget is spent about one run per `retry_every`; every other key's
//! first login waits behind at most one verification per key being checked, never behind the flood.
//! A key hashed with SHA-256 is checked at once, without a slot, under the same budget.

use super::super::metrics::KeyChecks;
use super::super::secrets::{is_slow_hash, verify_secret};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Wrong secrets a public key may cost argon2 work for within one `FAILURE_WINDOW`.
pub const FAILURE_BUDGET: u32 = 10;
/// How long failures count against a key's budget, from its first failure.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// With the budget spent, one attempt per key is still checked this often, so the right secret
/// gets in eventually even while the key is under attack.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long a refusal that cost no argon2 (a wrong secret repeated, or one for a key whose
/// budget is spent) is held before it is answered: a flooding client on N connections then gets
/// at most N answers a second, instead of as many as the server can write.
pub const REFUSAL_DELAY: Duration = Duration::from_secs(1);
/// Keys whose verification may wait for an argon2 slot at once; beyond that the answer is busy.
pub const MAX_QUEUED: usize = 1024;
/// Longest wait for the key's turn, and again for an argon2 slot, before answering busy.
const WAIT: Duration = Duration::from_secs(10);
/// Idle gates are dropped once there are this many.
const MAX_GATES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub struct AdmissionLimits {
    pub failure_budget: u32,
    pub failure_window: Duration,
    pub retry_every: Duration,
    /// argon2 runs at once; 0 means one less than the CPU cores (at least one).
    pub max_parallel: usize,
    pub max_queued: usize,
    pub refusal_delay: Duration,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        Self {
            failure_budget: FAILURE_BUDGET,
            failure_window: FAILURE_WINDOW,
            retry_every: RETRY_EVERY,
            max_parallel: 0,
            max_queued: MAX_QUEUED,
            refusal_delay: REFUSAL_DELAY,
        }
    }
}

/// The outcome of one attempt to check a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Matched,
    Mismatched,
    /// Not checked: the key's failure budget is spent.
    Unchecked,
    /// Not checked: the queue is full or the wait was too long.
    Busy,
}

pub struct Admission {
    limits: AdmissionLimits,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    slots: Arc<Semaphore>,
    queued: AtomicUsize,
    /// argon2 runs so far, for tests.
    hashes: AtomicU64,
    checks: KeyChecks,
}

/// One public key's turn and budget.
struct Gate {
    turn: Semaphore,
    budget: Mutex<Budget>,
}

struct Budget {
    failures: u32,
    window_start: Instant,
    last_retry: Option<Instant>,
}

impl Admission {
    pub fn new(limits: AdmissionLimits, checks: KeyChecks) -> Self {
        let parallel = match limits.max_parallel {
            0 => std::thread::available_parallelism()
                .map(|n| n.get().saturating_sub(1))
                .unwrap_or(1)
                .max(1),
            n => n,
        };
        Self {
            limits,
            gates: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(parallel)),
            queued: AtomicUsize::new(0),
            hashes: AtomicU64::new(0),
            checks,
        }
    }

    pub fn refusal_delay(&self) -> Duration {
        self.limits.refusal_delay
    }

    #[cfg(test)]
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// Checks `secret` against `hash` for `public_key`, if the key's budget and the queue allow.
    pub async fn verify(&self, public_key: &str, secret: String, hash: String) -> Verdict {
        let gate = self.gate(public_key);
        // Held until the verdict: attempts on one key wait here, outside the shared queue.
        let Ok(Ok(_turn)) = tokio::time::timeout(WAIT, gate.turn.acquire()).await else {
            return Verdict::Busy;
        };
        if !gate.admit(&self.limits) {
            return Verdict::Unchecked;
        }
        let slow = is_slow_hash(&hash);
        let matched = if slow {
            let Some(matched) = self.verify_on_a_slot(secret, hash).await else {
                return Verdict::Busy;
            };
            matched
        } else {
            verify_secret(&secret, &hash)
        };
        self.checks.add(slow);
        if matched {
            Verdict::Matched
        } else {
            gate.fail(&self.limits);
            Verdict::Mismatched
        }
    }

    /// `None` when no argon2 slot came free in time.
    async fn verify_on_a_slot(&self, secret: String, hash: String) -> Option<bool> {
        let slot = self.slot().await?;
        let matched = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            verify_secret(&secret, &hash)
        })
        .await
        .unwrap_or(false);
        self.hashes.fetch_add(1, Ordering::Relaxed);
        Some(matched)
    }

    async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.limits.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let slot = tokio::time::timeout(WAIT, Arc::clone(&self.slots).acquire_owned()).await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        slot.ok()?.ok()
    }

    fn gate(&self, public_key: &str) -> Arc<Gate> {
        let mut gates = lock(&self.gates);
        if let Some(gate) = gates.get(public_key) {
            return Arc::clone(gate);
        }
        if gates.len() >= MAX_GATES {
            gates.retain(|_, gate| Arc::strong_count(gate) > 1 || gate.busy(&self.limits));
        }
        let gate = Arc::new(Gate {
            turn: Semaphore::new(1),
            budget: Mutex::new(Budget {
                failures: 0,
                window_start: Instant::now(),
                last_retry: None,
            }),
        });
        gates.insert(public_key.to_string(), Arc::clone(&gate));
        gate
    }
}

impl Gate {
    /// Whether this attempt may run argon2: always within the budget, then once per
    /// `retry_every`.
    fn admit(&self, limits: &AdmissionLimits) -> bool {
        let mut budget = lock(&self.budget);
        if budget.failures < limits.failure_budget
            || budget.window_start.elapsed() >= limits.failure_window
        {
            return true;
        }
        if budget
            .last_retry
            .is_some_and(|at| at.elapsed() < limits.retry_every)
        {
            return false;
        }
        budget.last_retry = Some(Instant::now());
        true
    }

    fn fail(&self, limits: &AdmissionLimits) {
        let mut budget = lock(&self.budget);
        if budget.failures == 0 || budget.window_start.elapsed() >= limits.failure_window {
            budget.failures = 0;
            budget.window_start = Instant::now();
        }
        budget.failures = budget.failures.saturating_add(1);
        if budget.failures == limits.failure_budget {
            // The retries start one interval after the budget runs out, not at once.
            budget.last_retry = Some(Instant::now());
        }
    }

    /// Still counting failures, so forgetting it would hand the key a fresh budget.
    fn busy(&self, limits: &AdmissionLimits) -> bool {
        let budget = lock(&self.budget);
        budget.failures > 0 && budget.window_start.elapsed() < limits.failure_window
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here can leave the data half-changed, so a panic elsewhere does not poison it.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
