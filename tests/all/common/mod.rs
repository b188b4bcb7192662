//! Test harness: a real `packagento serve` on 127.0.0.1:0 with a temporary data folder, the real
//! CLI against it, real zip archives, and a raw HTTP/1.1 client that shows every header.

#![allow(dead_code)]

pub mod garage;
pub mod http_client;
pub mod tls;
pub mod zips;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_packagento");

/// A data folder, and optionally a server running on it. Killing the server is SIGTERM, so the
/// graceful path is exercised whenever a test ends.
pub struct Appliance {
    pub dir: TempDir,
    server: Option<Child>,
    pub addr: Option<String>,
}

impl Appliance {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            server: None,
            addr: None,
        }
    }

    /// Starts `packagento serve` and waits for its "listening" line.
    pub fn started() -> Self {
        let mut appliance = Self::new();
        appliance.start(&[]);
        appliance
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        command
            .env("PACKAGENTO_DATA_DIR", self.data_dir())
            .env("PACKAGENTO_ARGON2_MEMORY_KIB", "64")
            .env("PACKAGENTO_ARGON2_ITERATIONS", "1")
            .env("PACKAGENTO_LOG", "warn")
            .env_remove("PACKAGENTO_LISTEN")
            .env_remove("PACKAGENTO_PUBLIC_URL");
        command
    }

    pub fn start(&mut self, extra_args: &[&str]) {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn packagento serve");
        let addr = announced_addr(&mut child);
        self.server = Some(child);
        self.addr = Some(addr);
    }

    /// Starts `packagento serve` with at most `fd_limit` open files (soft and hard), as a host
    /// with a low `ulimit -n` would run it.
    pub fn start_with_fd_limit(&mut self, fd_limit: u32, extra_args: &[&str]) {
        let server = self.command();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {fd_limit} && exec \"$0\" \"$@\""))
            .arg(server.get_program())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .envs(server.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
        for (key, value) in server.get_envs() {
            if value.is_none() {
                command.env_remove(key);
            }
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn packagento serve");
        let addr = announced_addr(&mut child);
        self.server = Some(child);
        self.addr = Some(addr);
    }

    /// `packagento serve` on 127.0.0.1:0 at log `level`, its stderr left piped for the test to
    /// read; returns the process and the Composer address it announced.
    pub fn spawn_logged(&self, extra_args: &[&str], level: &str) -> (Child, String) {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .env("PACKAGENTO_LOG", level)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn packagento serve");
        let addr = announced_addr(&mut child);
        (child, addr)
    }

    /// Sends SIGTERM to a server from `spawn_logged`, checks that it exits cleanly and returns
    /// everything it wrote to stderr.
    pub fn stop_logged(mut child: Child) -> String {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        let mut stderr = String::new();
        let mut pipe = child.stderr.take().expect("stderr");
        std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("read stderr");
        assert!(child.wait().expect("wait").success(), "{stderr}");
        stderr
    }

    /// Starts `packagento serve` with `args` (listeners included) and returns the URLs its first
    /// `lines` start-up lines announce; `addr` is the first plain-HTTP one, if any.
    pub fn start_announcing(&mut self, args: &[&str], lines: usize) -> Vec<String> {
        let mut child = self
            .command()
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn packagento serve");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut urls = Vec::new();
        for _ in 0..lines {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read listening line");
            let url = line
                .split_whitespace()
                .find(|word| word.starts_with("http"))
                .unwrap_or_else(|| panic!("no URL in {line:?}"));
            urls.push(url.to_string());
        }
        self.addr = urls
            .iter()
            .find_map(|url| url.strip_prefix("http://"))
            .map(str::to_string);
        self.server = Some(child);
        urls
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let status = child.wait().expect("wait for server");
            assert!(status.success(), "server exited with {status}");
        }
        self.addr = None;
    }

    /// The server's process id, to signal it.
    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }

    pub fn addr(&self) -> &str {
        self.addr.as_deref().expect("server running")
    }

    /// GET `path` on the running server with `token`'s credentials and any `extra` headers.
    pub fn get_as(
        &self,
        token: &Token,
        path: &str,
        extra: &[(&str, &str)],
    ) -> http_client::Response {
        let basic = token.basic();
        let mut headers = vec![("Authorization", basic.as_str())];
        headers.extend_from_slice(extra);
        http_client::get(self.addr(), path, &headers)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run packagento")
    }

    /// Runs a command that must succeed and returns its `--json` output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let output = self.run(&all);
        assert!(
            output.status.success(),
            "packagento {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "packagento {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Runs a command that must fail, returning its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            !output.status.success(),
            "packagento {args:?} should have failed"
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    pub fn project(&self, slug: &str) {
        self.json(&["project", "create", slug]);
    }

    pub fn token(&self, project: &str) -> Token {
        let value = self.json(&["token", "create", "--project", project]);
        Token {
            public_key: value["public_key"].as_str().unwrap().to_string(),
            private_key: value["private_key"].as_str().unwrap().to_string(),
        }
    }

    /// Creates a licence for `patterns`, activates it on `project`, returns its id.
    pub fn licence(&self, project: &str, patterns: &[&str], access_until: Option<&str>) -> String {
        let mut args = vec!["licence", "create", "--holder", "Test Holder"];
        for pattern in patterns {
            args.extend(["--package", pattern]);
        }
        if let Some(date) = access_until {
            args.extend(["--access-until", date]);
        }
        let id = self.json(&args)["id"].as_str().unwrap().to_string();
        self.json(&["licence", "activate", &id, "--project", project]);
        id
    }

    pub fn publish(&self, path: &Path, extra: &[&str]) -> Value {
        let path = path.to_str().unwrap();
        let mut args = vec!["package", "publish", path];
        args.extend(extra);
        self.json(&args)
    }

    /// A project with one token and a perpetual licence for `acme/*`.
    pub fn customer(&self, project: &str) -> Token {
        self.project(project);
        self.licence(project, &["acme/*"], None);
        self.token(project)
    }
}

/// The plain-HTTP address `packagento serve` announces on its first stdout line.
fn announced_addr(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read listening line");
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string()
}

impl Drop for Appliance {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Clone, Debug)]
pub struct Token {
    pub public_key: String,
    pub private_key: String,
}

impl Token {
    pub fn basic(&self) -> String {
        use base64::Engine;
        let pair = format!("{}:{}", self.public_key, self.private_key);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// A command's JSON object without the `data_dir` and `server` fields every admin command adds
/// (checked present), to compare it with the same value from elsewhere (the change feed).
pub fn without_origin(mut value: Value) -> Value {
    let object = value.as_object_mut().expect("a JSON object");
    assert!(object.remove("data_dir").is_some_and(|dir| dir.is_string()));
    assert!(
        object
            .remove("server")
            .is_some_and(|server| server.is_boolean())
    );
    value
}

/// Whether `needle` occurs anywhere in `haystack` (a file's raw bytes, a log).
pub fn bytes_contain(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// A port nothing listens on right now, for a listener the test names itself.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}
