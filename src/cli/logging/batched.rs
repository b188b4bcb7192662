//! The log's writer thread: threads that log append whole lines to one shared buffer, and a thread
//! of its own writes the buffer out in batches.
//!
//! A channel with one message per line, drained by a writer that sleeps whenever it catches up,
//! costs every request a wake-up of that thread, a context switch and a `write` of its own line:
//! on two cores the writer kept preempting the serving threads, and the access log tripled the
//! tail latency of the fastest routes. Here a request's line costs a lock and a copy; the writer is
//! woken once per batch (when the buffer stops being empty, or passes the high-water mark), lets
//! lines gather for a few milliseconds and writes them in one call. Not lossy: past `max_pending`
//! bytes, loggers wait for the writer rather than lines vanish.

use std::fs::File;
use std::io::Write;
use std::os::fd::BorrowedFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// How long lines may gather before they are written: short enough to read a log live.
const BATCH_DELAY: Duration = Duration::from_millis(10);
/// A buffer this full is written at once, without waiting out the delay.
const HIGH_WATER: usize = 256 * 1024;
/// Loggers wait while this much is pending: a stalled destination must not grow memory forever.
const MAX_PENDING: usize = 8 * 1024 * 1024;
/// A log in a regular file is synced each time this much more was written to it.
const WRITEBACK_BYTES: usize = 4 * 1024 * 1024;

/// Pushes a log kept in a regular file to the disk as it grows. Left to the kernel, dirty pages
/// are written back once they are 30 s old, all at once: at tens of thousands of access lines a
/// second that is hundreds of megabytes in one burst, and on two cores the burst tripled the p99
/// of the requests served meanwhile (benchmarks.md, "The access log's writeback"). Synced every
/// few megabytes from the writer thread, the same work is spread out and no serving thread waits
/// for it.
pub struct Writeback {
    file: File,
    every: usize,
    since_sync: usize,
    syncs: usize,
}

impl Writeback {
    /// For the file behind `fd` when it is a regular file: not a terminal, pipe or socket.
    pub fn of(fd: BorrowedFd<'_>) -> Option<Self> {
        let file = File::from(fd.try_clone_to_owned().ok()?);
        let regular = file.metadata().ok()?.is_file();
        regular.then(|| Self::every(file, WRITEBACK_BYTES))
    }

    fn every(file: File, every: usize) -> Self {
        Self {
            file,
            every,
            since_sync: 0,
            syncs: 0,
        }
    }

    fn wrote(&mut self, bytes: usize) {
        self.since_sync += bytes;
        if self.since_sync >= self.every {
            // A failed sync loses nothing: the kernel still writes the pages back later.
            let _ = self.file.sync_data();
            self.since_sync = 0;
            self.syncs += 1;
        }
    }
}

/// Hands the shared buffer to the formatter, one borrowed handle per line.
#[derive(Clone)]
pub struct LineWriter(Arc<Shared>);

/// Keeps the writer thread; dropping it writes every pending line and ends the thread.
pub struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

pub struct Shared {
    state: Mutex<State>,
    /// Wakes the writer: there are lines, the buffer is full, or the log is closing.
    ready: Condvar,
    /// Wakes loggers waiting for room.
    room: Condvar,
    destination: Mutex<Box<dyn Write + Send>>,
    high_water: usize,
    max_pending: usize,
}

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    closing: bool,
    /// The writer is gone: lines are written by the thread that logs them.
    closed: bool,
}

/// Starts the writer thread for `destination`, syncing it as it grows when `writeback` is given.
pub fn spawn(
    destination: impl Write + Send + 'static,
    writeback: Option<Writeback>,
) -> std::io::Result<(LineWriter, Guard)> {
    spawn_with(Box::new(destination), MAX_PENDING, writeback)
}

fn spawn_with(
    destination: Box<dyn Write + Send>,
    max_pending: usize,
    writeback: Option<Writeback>,
) -> std::io::Result<(LineWriter, Guard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        ready: Condvar::new(),
        room: Condvar::new(),
        destination: Mutex::new(destination),
        high_water: HIGH_WATER.min(max_pending),
        max_pending,
    });
    let writer = shared.clone();
    let thread = std::thread::Builder::new()
        .name("packagento-log".into())
        .spawn(move || writer.write_batches(writeback))?;
    let guard = Guard {
        shared: shared.clone(),
        thread: Some(thread),
    };
    Ok((LineWriter(shared), guard))
}

impl<'a> MakeWriter<'a> for LineWriter {
    type Writer = &'a Shared;

    fn make_writer(&'a self) -> Self::Writer {
        &self.0
    }
}

/// The formatter hands over each line whole, in one `write`.
impl Write for &Shared {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn append(&self, line: &[u8]) {
        let mut state = self.lock_state();
        while state.pending.len() >= self.max_pending && !state.closed {
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            drop(state);
            let _ = self.lock_destination().write_all(line);
            return;
        }
        let before = state.pending.len();
        state.pending.extend_from_slice(line);
        let after = state.pending.len();
        drop(state);
        if before == 0 || (before < self.high_water && after >= self.high_water) {
            self.ready.notify_one();
        }
    }

    fn write_batches(&self, mut writeback: Option<Writeback>) {
        let mut spare = Vec::new();
        loop {
            let (mut batch, mut destination, closed) = self.next_batch(spare);
            // Nobody can read a log whose destination fails: the batch is dropped, not retried.
            let _ = destination
                .write_all(&batch)
                .and_then(|()| destination.flush());
            drop(destination);
            if let Some(writeback) = writeback.as_mut() {
                writeback.wrote(batch.len());
            }
            if closed {
                return;
            }
            batch.clear();
            spare = batch;
        }
    }

    /// Waits for lines, lets more gather, and takes them all. The destination is locked before
    /// the state is released, so lines written directly after closing follow the last batch.
    fn next_batch(&self, spare: Vec<u8>) -> (Vec<u8>, MutexGuard<'_, Box<dyn Write + Send>>, bool) {
        let mut state = self.lock_state();
        while state.pending.is_empty() && !state.closing {
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !state.closing && state.pending.len() < self.high_water {
            state = self
                .ready
                .wait_timeout_while(state, BATCH_DELAY, |s| {
                    s.pending.len() < self.high_water && !s.closing
                })
                .map(|(state, _)| state)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        let batch = std::mem::replace(&mut state.pending, spare);
        state.closed = state.closing;
        let destination = self.lock_destination();
        let closed = state.closed;
        drop(state);
        self.room.notify_all();
        (batch, destination, closed)
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_destination(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.destination
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.lock_state().closing = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn log_lines(writer: &LineWriter, thread: usize, count: usize) {
        for n in 0..count {
            let line = format!("thread {thread} line {n}\n");
            writer.make_writer().write_all(line.as_bytes()).unwrap();
        }
    }

    /// Every line, from every thread, whole and in each thread's order, even when loggers
    /// outrun a tiny buffer and must wait for the writer.
    fn assert_every_line_arrives(max_pending: usize) {
        let captured = Captured::default();
        let (writer, guard) = spawn_with(Box::new(captured.clone()), max_pending, None).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || log_lines(&writer, thread, 5_000))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = captured.text();
        assert_eq!(text.lines().count(), 20_000);
        for thread in 0..4 {
            let numbers: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("thread {thread} line ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(numbers, (0..5_000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_line_from_every_thread_is_written_whole_and_in_order() {
        assert_every_line_arrives(MAX_PENDING);
    }

    #[test]
    fn loggers_wait_for_room_instead_of_dropping_lines() {
        assert_every_line_arrives(64);
    }

    #[test]
    fn lines_logged_after_the_writer_stopped_are_still_written_in_order() {
        let captured = Captured::default();
        let (writer, guard) = spawn(captured.clone(), None).unwrap();
        log_lines(&writer, 0, 2);
        drop(guard);
        log_lines(&writer, 1, 1);
        assert_eq!(
            captured.text(),
            "thread 0 line 0\nthread 0 line 1\nthread 1 line 0\n"
        );
    }

    #[test]
    fn a_log_in_a_regular_file_is_synced_each_time_enough_more_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("packagento.log")).unwrap();
        assert!(Writeback::of(std::os::fd::AsFd::as_fd(&file)).is_some());
        let mut writeback = Writeback::every(file, 1024);
        writeback.wrote(600);
        assert_eq!(writeback.syncs, 0);
        writeback.wrote(600);
        assert_eq!(writeback.syncs, 1);
        writeback.wrote(1000);
        assert_eq!(writeback.syncs, 1);
        writeback.wrote(5000);
        assert_eq!(writeback.syncs, 2);
    }

    #[test]
    fn a_log_written_to_a_pipe_or_socket_is_left_to_its_reader() {
        let (ours, _theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(Writeback::of(std::os::fd::AsFd::as_fd(&ours)).is_none());
    }
}
