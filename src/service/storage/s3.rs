//! Archives in an S3-compatible object store (Garage, MinIO, Ceph RGW, AWS S3), through the
//! `object_store` crate: the only module that names it.
//!
//! Its requests run on a small runtime owned here, so the synchronous publish path (the CLI's
//! main thread, the server's blocking pool) and the async dist path share one client without
//! either needing to be inside, or outside, some other runtime.
//!
//! Verification after a put: a HEAD compares the size, then the object is read back and hashed.
//! Reading back costs one download per publish, but proves the bytes the store will serve on
//! every S3 implementation alike; checksum headers (`x-amz-checksum-sha256`) are not answered
//! the same way by all of them, and an ETag is an MD5 only for single-part uploads.

use super::{ByteStream, DistMode, Result, StorageError, object_name, sha256_of};
use crate::config::{S3Config, parse_ttl};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Archives up to this size go up in one request; bigger ones in parts of this size.
const PART_BYTES: usize = 16 * 1024 * 1024;

pub struct S3Store {
    client: Arc<AmazonS3>,
    prefix: String,
    describe: String,
    mode: DistMode,
    runtime: Option<tokio::runtime::Runtime>,
}

impl S3Store {
    pub fn new(config: &S3Config) -> Result<Self> {
        // Everything that can fail comes before the runtime: one dropped on an async thread panics.
        let client = Arc::new(client(config)?);
        let mode = match config.redirect {
            true => DistMode::Redirect(parse_ttl(&config.redirect_ttl).map_err(StorageError::Io)?),
            false => DistMode::Stream,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("packagento-s3")
            .enable_all()
            .build()
            .map_err(|e| StorageError::Io(format!("cannot start the S3 client: {e}")))?;
        let endpoint = match config.endpoint.as_str() {
            "" => "AWS S3",
            endpoint => endpoint,
        };
        Ok(Self {
            client,
            prefix: config.prefix.clone(),
            describe: format!("bucket {} at {endpoint}", config.bucket),
            mode,
            runtime: Some(runtime),
        })
    }

    pub fn describe(&self) -> String {
        self.describe.clone()
    }

    pub fn dist_mode(&self) -> DistMode {
        self.mode
    }

    fn key(&self, sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("{}{}", self.prefix, object_name(sha256)))
    }

    /// Runs `work` on the store's runtime and waits for it on this thread, whatever it is.
    /// Call only where blocking is allowed (never on an async worker).
    fn block<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.runtime()?.spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver
            .recv()
            .map_err(|_| StorageError::Io("the S3 client stopped".to_string()))
    }

    /// Runs `work` on the store's runtime, for async callers on any runtime.
    async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        self.runtime()?
            .spawn(work)
            .await
            .map_err(|e| StorageError::Io(format!("the S3 client stopped: {e}")))
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime
            .as_ref()
            .ok_or_else(|| StorageError::Io("the S3 client stopped".to_string()))
    }

    pub fn size(&self, sha256: &str) -> Result<Option<u64>> {
        let (client, key) = (self.client.clone(), self.key(sha256));
        let found = self.block(async move { client.head(&key).await })?;
        match found {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(sha256, e)),
        }
    }

    pub fn put_verified(&self, sha256: &str, staged: &Path, size: u64) -> Result<bool> {
        if self.size(sha256)? == Some(size) && self.verified(sha256, size)? {
            return Ok(false);
        }
        let (client, key, file) = (self.client.clone(), self.key(sha256), staged.to_path_buf());
        self.block(async move { upload(&client, &key, &file, size).await })?
            .map_err(|e| failed(sha256, e))?;
        let stored = self.size(sha256)?;
        if stored != Some(size) || !self.verified(sha256, size)? {
            // What the store holds is not what was published: leave nothing under the name.
            let _ = self.delete(sha256);
            return Err(StorageError::Mismatch(format!(
                "the archive store holds other bytes for {sha256} than were uploaded \
                 ({stored:?} of {size} bytes); nothing was published"
            )));
        }
        Ok(true)
    }

    fn verified(&self, sha256: &str, size: u64) -> Result<bool> {
        let mut check = super::HashingSink::default();
        self.copy_to(sha256, &mut check)?;
        Ok(check.matches(sha256, size))
    }

    pub fn delete(&self, sha256: &str) -> Result<bool> {
        if self.size(sha256)?.is_none() {
            return Ok(false);
        }
        let (client, key) = (self.client.clone(), self.key(sha256));
        self.block(async move { client.delete(&key).await })?
            .map_err(|e| failed(sha256, e))?;
        Ok(true)
    }

    pub fn list(&self) -> Result<Vec<String>> {
        let client = self.client.clone();
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let listed = self.block(async move {
            client
                .list(prefix.as_ref())
                .map_ok(|meta| meta.location.filename().unwrap_or_default().to_string())
                .try_collect::<Vec<String>>()
                .await
        })?;
        let mut found: Vec<String> = listed
            .map_err(|e| failed("(list)", e))?
            .iter()
            .filter_map(|name| sha256_of(name).map(String::from))
            .collect();
        found.sort();
        Ok(found)
    }

    pub fn copy_to(&self, sha256: &str, out: &mut dyn Write) -> Result<u64> {
        let (client, key) = (self.client.clone(), self.key(sha256));
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<object_store::Result<Bytes>>(4);
        self.runtime()?.spawn(async move {
            let mut stream = match client.get(&key).await {
                Ok(got) => got.into_stream(),
                Err(e) => return drop(sender.send(Err(e)).await),
            };
            while let Some(piece) = stream.next().await {
                if sender.send(piece).await.is_err() {
                    return;
                }
            }
        });
        let mut copied = 0u64;
        while let Some(piece) = receiver.blocking_recv() {
            let bytes = piece.map_err(|e| failed(sha256, e))?;
            out.write_all(&bytes)
                .map_err(|e| StorageError::Io(format!("cannot write archive {sha256}: {e}")))?;
            copied += bytes.len() as u64;
        }
        Ok(copied)
    }

    pub async fn read_all(&self, sha256: &str) -> Result<Bytes> {
        let (client, key) = (self.client.clone(), self.key(sha256));
        self.run(async move { client.get(&key).await?.bytes().await })
            .await?
            .map_err(|e| failed(sha256, e))
    }

    /// The object's bytes as they arrive; the response is read on the store's runtime and
    /// handed over through a short channel, so a slow client holds back the store read.
    pub async fn stream(&self, sha256: &str) -> Result<ByteStream> {
        let (client, key) = (self.client.clone(), self.key(sha256));
        let got = self
            .run(async move { client.get(&key).await })
            .await?
            .map_err(|e| failed(sha256, e))?;
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        self.runtime()?.spawn(async move {
            let mut body = got.into_stream();
            while let Some(piece) = body.next().await {
                if sender
                    .send(piece.map_err(std::io::Error::other))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(
            receiver,
        )))
    }

    pub async fn presigned_url(&self, sha256: &str, ttl: Duration) -> Result<String> {
        let (client, key) = (self.client.clone(), self.key(sha256));
        let url = self
            .run(async move { client.signed_url(http::Method::GET, &key, ttl).await })
            .await?
            .map_err(|e| failed(sha256, e))?;
        Ok(url.to_string())
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // The last `App` may go away on an async thread, where a blocking shutdown panics.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn client(config: &S3Config) -> Result<AmazonS3> {
    let http = config.endpoint.starts_with("http://");
    let options = ClientOptions::new()
        .with_allow_http(http)
        .with_connect_timeout(Duration::from_secs(5))
        // Large archives stream to slow customers; a whole-request limit would cut them off.
        .with_timeout_disabled();
    // A store that is down should refuse a publish in seconds, not after minutes of retries.
    let retry = RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(10),
        ..RetryConfig::default()
    };
    let mut builder = AmazonS3Builder::new()
        .with_region(&config.region)
        .with_bucket_name(&config.bucket)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(config.secret_access_key.expose())
        .with_virtual_hosted_style_request(!config.path_style)
        .with_allow_http(http)
        .with_client_options(options)
        .with_retry(retry);
    if !config.endpoint.is_empty() {
        builder = builder.with_endpoint(&config.endpoint);
    }
    // The builder's messages name settings, not their values.
    builder
        .build()
        .map_err(|e| StorageError::Io(format!("invalid storage.s3 settings: {}", kind(&e))))
}

async fn upload(
    client: &AmazonS3,
    key: &ObjectPath,
    file: &Path,
    size: u64,
) -> object_store::Result<()> {
    let generic = |e: std::io::Error| object_store::Error::Generic {
        store: "staging",
        source: Box::new(e),
    };
    if size <= PART_BYTES as u64 {
        let bytes = tokio::fs::read(file).await.map_err(generic)?;
        client.put(key, PutPayload::from(bytes)).await?;
        return Ok(());
    }
    let mut reader = tokio::fs::File::open(file).await.map_err(generic)?;
    let mut parts =
        WriteMultipart::new_with_chunk_size(client.put_multipart(key).await?, PART_BYTES);
    loop {
        parts.wait_for_capacity(2).await?;
        let mut piece = vec![0u8; PART_BYTES];
        let read = read_full(&mut reader, &mut piece).await.map_err(generic)?;
        if read == 0 {
            break;
        }
        piece.truncate(read);
        parts.put(Bytes::from(piece));
    }
    parts.finish().await?;
    Ok(())
}

async fn read_full(reader: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    use tokio::io::AsyncReadExt;
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]).await? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// A store error, classified: the store not answering is told apart from everything else, since
/// callers turn it into "try again later" (503) rather than a failure of this archive.
fn failed(sha256: &str, error: object_store::Error) -> StorageError {
    match &error {
        object_store::Error::NotFound { .. } => StorageError::Missing(sha256.to_string()),
        _ if unreachable(&error) => StorageError::Unreachable(kind(&error)),
        _ => StorageError::Io(format!("archive {sha256}: {}", kind(&error))),
    }
}

fn unreachable(error: &object_store::Error) -> bool {
    let text = format!("{error:?}").to_ascii_lowercase();
    [
        "connect",
        "timed out",
        "timeout",
        "dns",
        "error sending request",
        "connection",
        "service unavailable",
    ]
    .iter()
    .any(|word| text.contains(word))
}

/// The error's message, kept short; object_store's messages carry URLs and codes, never the
/// secret key (it signs requests, it does not send the key).
fn kind(error: &object_store::Error) -> String {
    let text = error.to_string();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
