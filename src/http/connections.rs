//! Every open client connection on the public listeners, with what it is doing: waiting for its
//! first request, busy with requests, or idle between them. Slow-header and idle connections are
//! closed after their timeouts, and at the connection cap the longest-idle one is closed to admit
//! a new client, so sockets that send nothing cannot lock valid clients out.

use crate::config::ConnectionsConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// File descriptors kept for everything but client sockets: the database, the admin socket and
/// its clients, the listeners, logs, the inbox watch and the runtime's own.
const FD_RESERVE: u64 = 64;
/// When the open-files limit cannot be read, the usual default soft limit is assumed.
const ASSUMED_FD_LIMIT: u64 = 1024;
const MIN_CONNECTIONS: u64 = 16;

/// The connection rules as configured, with the cap resolved against the open-files limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// 0: no minimum upload rate.
    pub min_upload_bytes_per_sec: u64,
    pub upload_window: Duration,
}

impl Policy {
    /// Reads the process's open-files limit to bound (or, at 0, derive) the connection cap.
    pub fn from_config(config: &ConnectionsConfig) -> Policy {
        let fd_limit = open_files_limit();
        let max = resolve_max(config.max_connections, fd_limit);
        if config.max_connections > max {
            tracing::warn!(
                configured = config.max_connections,
                used = max,
                fd_limit,
                "connections.max_connections is above what the open-files limit allows"
            );
        }
        Policy {
            max_connections: usize::try_from(max).unwrap_or(usize::MAX),
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(config.idle_timeout_secs),
            min_upload_bytes_per_sec: config.min_upload_bytes_per_sec,
            upload_window: Duration::from_secs(config.upload_window_secs),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_config(&ConnectionsConfig::default())
    }
}

/// Each connection may also be streaming an archive from disk, so half of the descriptors left
/// after the reserve go to client sockets; a configured cap is kept under that.
fn resolve_max(configured: u64, fd_limit: u64) -> u64 {
    let available = (fd_limit.saturating_sub(FD_RESERVE) / 2).max(MIN_CONNECTIONS);
    match configured {
        0 => available,
        n => n.min(available),
    }
}

/// The soft `RLIMIT_NOFILE`, from `/proc/self/limits` (the appliance runs on Linux).
fn open_files_limit() -> u64 {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    text.lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .map(|soft| soft.parse().unwrap_or(u64::MAX))
        .unwrap_or(ASSUMED_FD_LIMIT)
}

/// What one connection is doing, as the supervisor and the shedding need to know it.
#[derive(Debug)]
struct Activity {
    in_flight: usize,
    /// Whether a request head has ever been read: until then the header timeout counts from
    /// the accept.
    served: bool,
    http2: bool,
    /// The accept, or the end of the last response.
    idle_since: Instant,
    /// The first byte read after `idle_since`: a new request head has begun.
    head_started: Option<Instant>,
    closing: bool,
    /// When the task watching this connection looks at it next. A change that leaves the
    /// deadline no earlier than this wakes nobody: a busy keep-alive connection would otherwise
    /// wake its task twice per request for nothing.
    looks_at: Option<Instant>,
}

/// One open connection. Its task watches `wake` and closes when told to or when it timed out.
#[derive(Debug)]
pub struct Slot {
    activity: Mutex<Activity>,
    wake: Notify,
    policy: Policy,
}

/// Why a connection is being closed by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// No (complete) request head in time, or idle for too long.
    TimedOut,
    /// Closed to make room for a new client.
    Shed,
}

impl Slot {
    fn new(policy: Policy) -> Slot {
        Slot {
            activity: Mutex::new(Activity {
                in_flight: 0,
                served: false,
                http2: false,
                idle_since: Instant::now(),
                head_started: None,
                closing: false,
                looks_at: None,
            }),
            wake: Notify::new(),
            policy,
        }
    }

    fn activity(&self) -> MutexGuard<'_, Activity> {
        // The state is a few plain fields, consistent after any panic.
        self.activity.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request head was read; the guard marks the end of its response.
    pub fn request_started(self: &Arc<Self>, http2: bool) -> RequestGuard {
        let mut activity = self.activity();
        activity.in_flight += 1;
        activity.served = true;
        activity.http2 = http2;
        activity.head_started = None;
        RequestGuard(self.clone())
    }

    /// Bytes arrived; between requests that starts the header clock of HTTP/1's next request.
    pub fn bytes_read(&self) {
        let mut activity = self.activity();
        if activity.in_flight == 0 && activity.served && activity.head_started.is_none() {
            activity.head_started = Some(Instant::now());
            self.wake_if_sooner(activity);
        }
    }

    /// True while no request has been read and none is in progress: nothing is lost by
    /// dropping the connection outright.
    pub fn never_served(&self) -> bool {
        let activity = self.activity();
        !activity.served && activity.in_flight == 0
    }

    /// Wakes the watching task when the deadline is now earlier than when it meant to look.
    fn wake_if_sooner(&self, activity: MutexGuard<'_, Activity>) {
        let sooner = match (deadline(&activity, &self.policy), activity.looks_at) {
            (Some(deadline), Some(looks_at)) => deadline < looks_at,
            _ => true,
        };
        drop(activity);
        if sooner {
            self.wake.notify_one();
        }
    }

    /// Resolves when the connection should be closed: told to make room, or timed out. It looks
    /// at the deadline at least once per header timeout, so a request's end (which moves the
    /// deadline later) and the next head (which moves it to at most a header timeout away)
    /// need not wake it.
    pub async fn ending(&self) -> Ending {
        loop {
            let looks_at = match self.next_look() {
                Ok(looks_at) => looks_at,
                Err(ending) => return ending,
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep_until(looks_at) => {}
            }
        }
    }

    /// When to look at this connection again, noted for `wake_if_sooner`; or why it ends now.
    fn next_look(&self) -> Result<Instant, Ending> {
        let now = Instant::now();
        let mut activity = self.activity();
        if activity.closing {
            return Err(Ending::Shed);
        }
        let deadline = deadline(&activity, &self.policy);
        if deadline.is_some_and(|deadline| deadline <= now) {
            return Err(Ending::TimedOut);
        }
        let recheck = now + self.policy.header_read_timeout;
        let looks_at = deadline.map_or(recheck, |deadline| deadline.min(recheck));
        activity.looks_at = Some(looks_at);
        Ok(looks_at)
    }

    /// How long this connection has been idle, if it is and is not already closing.
    fn idle_for(&self, now: Instant) -> Option<Duration> {
        let activity = self.activity();
        (activity.in_flight == 0 && !activity.closing)
            .then(|| now.saturating_duration_since(activity.idle_since))
    }
}

/// When a connection in this state times out; `None` while a request is in progress.
fn deadline(activity: &Activity, policy: &Policy) -> Option<Instant> {
    if activity.in_flight > 0 {
        return None;
    }
    let idle = activity.idle_since + policy.idle_timeout;
    Some(match (activity.served, activity.head_started) {
        (false, _) => activity.idle_since + policy.header_read_timeout,
        // HTTP/2 reads control frames between requests: only the idle clock applies.
        (true, Some(started)) if !activity.http2 => idle.min(started + policy.header_read_timeout),
        (true, _) => idle,
    })
}

/// Held from a request head to the end of its response (the response body is dropped).
#[derive(Debug)]
pub struct RequestGuard(Arc<Slot>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut activity = self.0.activity();
        activity.in_flight = activity.in_flight.saturating_sub(1);
        if activity.in_flight == 0 {
            activity.idle_since = Instant::now();
            activity.head_started = None;
        }
        self.0.wake_if_sooner(activity);
    }
}

/// The open connections of every public listener: the open-files limit is the process's.
#[derive(Debug)]
pub struct Connections {
    pub policy: Policy,
    open: Mutex<Registry>,
    /// Signalled when a connection closes, so a full accept loop looks again.
    room: Notify,
}

#[derive(Debug, Default)]
struct Registry {
    slots: HashMap<u64, Arc<Slot>>,
    next_id: u64,
    /// Slots told to close that have not yet: they no longer count against the cap.
    shedding: usize,
}

impl Connections {
    pub fn new(policy: Policy) -> Arc<Connections> {
        tracing::debug!(max = policy.max_connections, "connection cap");
        Arc::new(Connections {
            policy,
            open: Mutex::new(Registry::default()),
            room: Notify::new(),
        })
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new connection; the returned membership unregisters it when dropped.
    pub fn admit(self: &Arc<Self>) -> Member {
        let slot = Arc::new(Slot::new(self.policy));
        let mut registry = self.registry();
        let id = registry.next_id;
        registry.next_id += 1;
        registry.slots.insert(id, slot.clone());
        Member {
            connections: self.clone(),
            id,
            slot,
        }
    }

    /// Whether another connection may be accepted now: below the cap, or at it with an idle
    /// connection to shed once the new one has arrived.
    pub fn has_room(&self) -> bool {
        let registry = self.registry();
        if registry.slots.len() - registry.shedding < self.policy.max_connections {
            return true;
        }
        let now = Instant::now();
        registry
            .slots
            .values()
            .any(|slot| slot.idle_for(now).is_some())
    }

    /// Above the cap, closes the longest-idle connections until it is kept again.
    pub fn enforce_cap(&self) {
        while self.counted() > self.policy.max_connections {
            if !self.shed_longest_idle() {
                return;
            }
        }
    }

    fn counted(&self) -> usize {
        let registry = self.registry();
        registry.slots.len() - registry.shedding
    }

    /// Tells the longest-idle connection to close; false when every connection is busy.
    pub fn shed_longest_idle(&self) -> bool {
        let now = Instant::now();
        let mut registry = self.registry();
        let longest = registry
            .slots
            .values()
            .filter_map(|slot| slot.idle_for(now).map(|idle| (idle, slot)))
            .max_by_key(|(idle, _)| *idle)
            .map(|(_, slot)| slot.clone());
        let Some(slot) = longest else {
            return false;
        };
        slot.activity().closing = true;
        registry.shedding += 1;
        drop(registry);
        slot.wake.notify_one();
        true
    }

    /// Waits until a connection closes, or `at_most`.
    pub async fn wait_for_room(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.room.notified()).await;
    }

    pub fn open_count(&self) -> usize {
        self.registry().slots.len()
    }
}

/// A connection's place in `Connections`, given up when its task ends however it ends.
#[derive(Debug)]
pub struct Member {
    connections: Arc<Connections>,
    id: u64,
    pub slot: Arc<Slot>,
}

impl Drop for Member {
    fn drop(&mut self) {
        let mut registry = self.connections.registry();
        registry.slots.remove(&self.id);
        if self.slot.activity().closing {
            registry.shedding = registry.shedding.saturating_sub(1);
        }
        drop(registry);
        self.connections.room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max: usize) -> Policy {
        Policy {
            max_connections: max,
            header_read_timeout: Duration::from_millis(100),
            idle_timeout: Duration::from_millis(300),
            min_upload_bytes_per_sec: 0,
            upload_window: Duration::from_secs(1),
        }
    }

    #[test]
    fn the_cap_comes_from_the_open_files_limit_and_a_configured_one_stays_under_it() {
        assert_eq!(resolve_max(0, 256), 96);
        assert_eq!(resolve_max(0, 65_536), 32_736);
        assert_eq!(resolve_max(10, 256), 10);
        assert_eq!(resolve_max(5_000, 256), 96);
        assert_eq!(resolve_max(0, 10), MIN_CONNECTIONS);
    }

    #[tokio::test]
    async fn at_the_cap_the_longest_idle_connection_is_shed_and_busy_ones_never() {
        let connections = Connections::new(policy(2));
        let oldest = connections.admit();
        tokio::time::sleep(Duration::from_millis(10)).await;
        let busy = connections.admit();
        let _request = busy.slot.request_started(false);
        assert!(connections.has_room(), "an idle connection can make room");
        let newest = connections.admit();
        connections.enforce_cap();
        assert_eq!(oldest.slot.ending().await, Ending::Shed);
        assert!(!newest.slot.activity().closing);
        assert!(!busy.slot.activity().closing);
        drop(oldest);
        assert_eq!(connections.open_count(), 2);
        let _request = newest.slot.request_started(false);
        assert!(!connections.has_room(), "every connection is busy");
    }

    #[tokio::test]
    async fn a_connection_times_out_without_a_head_and_when_idle_but_not_while_busy() {
        let connections = Connections::new(policy(10));
        let member = connections.admit();
        let started = Instant::now();
        assert_eq!(member.slot.ending().await, Ending::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(100));

        let member = connections.admit();
        let request = member.slot.request_started(false);
        let slot = member.slot.clone();
        let ending = tokio::spawn(async move { slot.ending().await });
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(
            !ending.is_finished(),
            "a request in progress never times out"
        );
        drop(request);
        let idle_from = Instant::now();
        assert_eq!(ending.await.unwrap(), Ending::TimedOut);
        assert!(idle_from.elapsed() >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn a_head_begun_after_a_request_and_never_finished_times_out_at_the_header_timeout() {
        let connections = Connections::new(policy(10));
        let member = connections.admit();
        drop(member.slot.request_started(false));
        let slot = member.slot.clone();
        let ending = tokio::spawn(async move { slot.ending().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let head_from = Instant::now();
        member.slot.bytes_read();
        assert_eq!(ending.await.unwrap(), Ending::TimedOut);
        let waited = head_from.elapsed();
        assert!(waited >= Duration::from_millis(100), "{waited:?}");
        assert!(
            waited < Duration::from_millis(250),
            "the idle clock decided: {waited:?}"
        );
    }

    #[tokio::test]
    async fn an_idle_timeout_shorter_than_the_header_timeout_still_closes_on_time() {
        let mut quick_idle = policy(10);
        quick_idle.idle_timeout = Duration::from_millis(50);
        quick_idle.header_read_timeout = Duration::from_millis(400);
        let connections = Connections::new(quick_idle);
        let member = connections.admit();
        let request = member.slot.request_started(false);
        let slot = member.slot.clone();
        let ending = tokio::spawn(async move { slot.ending().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let idle_from = Instant::now();
        drop(request);
        assert_eq!(ending.await.unwrap(), Ending::TimedOut);
        let waited = idle_from.elapsed();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(waited < Duration::from_millis(300), "{waited:?}");
    }
}
