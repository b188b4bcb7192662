//! The wrappers through which a connection reports what it is doing: its socket (bytes read
//! between requests start the next head's clock), each request body (cut when it arrives slower
//! than the minimum upload rate) and each response body (its end makes the connection idle).

use super::connections::{RequestGuard, Slot};
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A client socket (plain or TLS) that tells its slot when bytes arrive.
pub struct Watched<S> {
    inner: S,
    slot: Arc<Slot>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, slot: Arc<Slot>) -> Self {
        Self { inner, slot }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.slot.bytes_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The error a request body ends with when it arrives too slowly; handlers that read bodies
/// find it with [`is_too_slow`] to answer 408.
#[derive(Debug)]
pub struct TooSlow {
    min_bytes_per_sec: u64,
    window: Duration,
}

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body arrived slower than {} bytes a second over {} s",
            self.min_bytes_per_sec,
            self.window.as_secs()
        )
    }
}

impl std::error::Error for TooSlow {}

/// Whether `error`, or anything it wraps, is a request body cut for its rate.
pub fn is_too_slow(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<TooSlow>() {
            return true;
        }
        current = error.source();
    }
    false
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body that must bring `min_bytes_per_sec × window` bytes in every `window`; the
/// clock starts when the handler first reads, so authentication comes first.
pub struct Paced<B> {
    inner: B,
    min_bytes_per_sec: u64,
    window: Duration,
    received: u64,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<B> Paced<B> {
    pub fn new(inner: B, min_bytes_per_sec: u64, window: Duration) -> Self {
        Self {
            inner,
            min_bytes_per_sec,
            window,
            received: 0,
            deadline: None,
        }
    }

    fn count(&mut self, bytes: usize) {
        self.received += bytes as u64;
        let due = self.min_bytes_per_sec.saturating_mul(self.window.as_secs());
        if self.received >= due {
            self.received = 0;
            if let Some(deadline) = self.deadline.as_mut() {
                deadline.as_mut().reset(Instant::now() + self.window);
            }
        }
    }
}

impl<B> Body for Paced<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let check = this.min_bytes_per_sec > 0;
        if check && this.deadline.is_none() {
            this.deadline = Some(Box::pin(tokio::time::sleep(this.window)));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.count(bytes::Buf::remaining(data));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if !expired {
                    return Poll::Pending;
                }
                let error = TooSlow {
                    min_bytes_per_sec: this.min_bytes_per_sec,
                    window: this.window,
                };
                Poll::Ready(Some(Err(error.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body holding its request's place: dropped when sent (or abandoned), it makes the
/// connection idle again.
pub struct Tracked<B> {
    inner: B,
    _request: RequestGuard,
}

impl<B> Tracked<B> {
    pub fn new(inner: B, request: RequestGuard) -> Self {
        Self {
            inner,
            _request: request,
        }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
