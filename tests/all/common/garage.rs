//! A real single-node Garage for the object-storage tests: its own config and folders in a
//! temporary directory, free ports, the layout assigned and applied, and a key and a bucket
//! made through Garage's own CLI. The node is killed when dropped.
//!
//! `garage` is a separate program, not a Cargo dependency: without it the tests are skipped
//! with a note, unless `PACKAGENTO_REQUIRE_GARAGE=1` (set by CI) makes that a failure.

use super::free_port;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BUCKET: &str = "archives";

pub fn garage_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let available = *AVAILABLE.get_or_init(|| {
        Command::new("garage")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    });
    if !available {
        if std::env::var("PACKAGENTO_REQUIRE_GARAGE").as_deref() == Ok("1") {
            panic!(
                "PACKAGENTO_REQUIRE_GARAGE=1 but `garage --version` does not run: install it with `cargo install garage --locked`"
            );
        }
        eprintln!("note: garage is not installed; skipping this object-storage test");
    }
    available
}

pub struct Garage {
    dir: TempDir,
    child: Option<Child>,
    /// `127.0.0.1:PORT` of the S3 API.
    pub s3_addr: String,
    pub key_id: String,
    pub secret: String,
}

impl Garage {
    /// A running node with a key that may read and write the bucket `archives`.
    pub fn start() -> Garage {
        let dir = tempfile::tempdir().expect("temp dir");
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let secret: String = (0..4).map(|_| format!("{:016x}", rand_u64())).collect();
        let config = format!(
            "metadata_dir = \"{meta}\"\ndata_dir = \"{data}\"\ndb_engine = \"sqlite\"\n\
             replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
             rpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{secret}\"\n\n\
             [s3_api]\napi_bind_addr = \"127.0.0.1:{s3}\"\ns3_region = \"garage\"\n\
             root_domain = \".s3.garage.localhost\"\n\n[admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
            meta = dir.path().join("meta").display(),
            data = dir.path().join("data").display(),
        );
        std::fs::write(dir.path().join("garage.toml"), config).expect("write garage.toml");
        let mut garage = Garage {
            dir,
            child: None,
            s3_addr: format!("127.0.0.1:{s3}"),
            key_id: String::new(),
            secret: String::new(),
        };
        garage.run_server();
        let node = garage.cli_ok(&["node", "id", "-q"]);
        let node = node
            .trim()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        garage.cli_ok(&["layout", "assign", "-z", "dc1", "-c", "1G", &node]);
        garage.cli_ok(&["layout", "apply", "--version", "1"]);
        let key = garage.cli_ok(&["key", "create", "packagento"]);
        garage.key_id = field(&key, "Key ID:");
        garage.secret = field(&key, "Secret key:");
        garage.cli_ok(&["bucket", "create", BUCKET]);
        garage.cli_ok(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            BUCKET,
            "--key",
            "packagento",
        ]);
        garage
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("garage.toml")
    }

    fn run_server(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log file");
        let child = Command::new("garage")
            .arg("-c")
            .arg(self.config())
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn garage server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.cli(&["status"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "garage did not come up: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        while TcpStream::connect(&self.s3_addr).is_err() {
            assert!(Instant::now() < deadline, "garage's S3 API did not open");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn cli(&self, args: &[&str]) -> Output {
        Command::new("garage")
            .arg("-c")
            .arg(self.config())
            .args(args)
            .output()
            .expect("run garage")
    }

    fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "garage {args:?} failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    /// Kills the node (as a crash or an outage would); `resume` starts it again on its data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn resume(&mut self) {
        self.run_server();
    }

    /// The `[storage]` section that points packagento at this node through `endpoint`.
    pub fn storage_toml(&self, endpoint: &str, prefix: &str, redirect: bool) -> String {
        format!(
            "[storage]\nbackend = \"s3\"\n\n[storage.s3]\nendpoint = \"http://{endpoint}\"\n\
             region = \"garage\"\nbucket = \"{BUCKET}\"\nprefix = \"{prefix}\"\npath_style = true\n\
             access_key_id = \"{}\"\nsecret_access_key = \"{}\"\nredirect = {redirect}\n\
             redirect_ttl = \"2m\"\n",
            self.key_id, self.secret
        )
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        self.stop();
    }
}

fn field(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|value| value.trim().to_string())
        .unwrap_or_else(|| panic!("no {label:?} in {text}"))
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish()
}

/// A TCP relay in front of the store that keeps the head of every request passing through, to
/// show which headers reached the store (and from whom).
pub struct RecordingProxy {
    pub addr: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    pub fn start(upstream: &str) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr").to_string();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (upstream, seen) = (upstream.to_string(), heads.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, seen) = (upstream.clone(), seen.clone());
                std::thread::spawn(move || relay(client, &upstream, &seen));
            }
        });
        RecordingProxy { addr, heads }
    }

    /// Every request head seen so far, as text.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }
}

fn relay(client: TcpStream, upstream: &str, seen: &Mutex<Vec<String>>) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut client_reader), Ok(mut server_writer)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    // Responses flow back untouched on their own thread.
    let (mut server_reader, mut client_writer) = (server, client);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_reader, &mut client_writer);
        let _ = client_writer.shutdown(std::net::Shutdown::Both);
    });
    let mut pending = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = match client_reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        pending.extend_from_slice(&buffer[..read]);
        // Heads are recorded as they complete; bodies (uploads) are passed on and forgotten.
        while let Some(end) = find(&pending, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            if head.starts_with(|c: char| c.is_ascii_uppercase()) {
                seen.lock().expect("heads").push(head);
            }
            pending.drain(..end + 4);
        }
        if pending.len() > 64 * 1024 {
            pending.clear();
        }
        if server_writer.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = server_writer.shutdown(std::net::Shutdown::Write);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `dir` holds any archive file (`*.zip`) of a local store.
pub fn local_archives(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".zip"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
