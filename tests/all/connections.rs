//! Slow and idle clients against the real server: sockets that never finish a request head,
//! kept-alive connections left idle, uploads that trickle, and more of them than the server has
//! file descriptors, while valid clients keep being answered.

use crate::common::http_client::{Response, parse};
use crate::common::zips::library;
use crate::common::{Appliance, Token};
use serde_json::json;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Long enough for a loaded test machine, far below the minutes a missing timeout takes.
const PROMPTLY: Duration = Duration::from_secs(5);

fn configured(config: &str) -> Appliance {
    let mut app = Appliance::new();
    std::fs::create_dir_all(app.data_dir()).unwrap();
    std::fs::write(app.data_dir().join("packagento.toml"), config).unwrap();
    app.start(&[]);
    app
}

fn connect(app: &Appliance) -> TcpStream {
    let stream = TcpStream::connect(app.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection (true) or nothing came for the read timeout
/// (false); what arrives before the close is ignored.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

/// One response on a kept-alive connection: the head, then `Content-Length` bytes.
fn read_response(stream: &mut TcpStream) -> std::io::Result<Response> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse(&raw[..end + 4]);
            let length: usize = head
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if raw.len() >= end + 4 + length {
                return Ok(parse(&raw[..end + 4 + length]));
            }
        }
        match stream.read(&mut buf)? {
            0 => return Err(ErrorKind::UnexpectedEof.into()),
            n => raw.extend_from_slice(&buf[..n]),
        }
    }
}

fn keep_alive_get(stream: &mut TcpStream, path: &str, token: Option<&Token>) -> Response {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: packages.test\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: {}\r\n", token.basic()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write request");
    read_response(stream).expect("read response")
}

#[test]
fn a_socket_that_never_finishes_its_request_head_is_closed_after_the_header_timeout() {
    let app = configured("[connections]\nheader_read_timeout_secs = 1\n");
    let mut silent = connect(&app);
    let mut slow = connect(&app);
    slow.write_all(b"GET /packages.json HTTP/1.1\r\n").unwrap();
    let started = Instant::now();
    assert!(closed_by_server(&mut slow), "a slow head was left open");
    assert!(
        closed_by_server(&mut silent),
        "a silent socket was left open"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < PROMPTLY,
        "closed after {waited:?}"
    );
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout_and_not_before() {
    let app = configured("[connections]\nidle_timeout_secs = 2\n");
    let mut stream = connect(&app);
    assert_eq!(keep_alive_get(&mut stream, "/healthz", None).status, 200);
    std::thread::sleep(Duration::from_millis(1200));
    // Shorter pauses than the timeout keep the connection: it is reused.
    assert_eq!(keep_alive_get(&mut stream, "/healthz", None).status, 200);
    let idle_from = Instant::now();
    assert!(
        closed_by_server(&mut stream),
        "an idle connection was left open"
    );
    let idled = idle_from.elapsed();
    assert!(
        idled >= Duration::from_millis(1800) && idled < Duration::from_secs(2) + PROMPTLY,
        "closed after {idled:?}"
    );
}

fn publisher(app: &Appliance) -> Token {
    let created = app.json(&["publisher", "create", "--label", "ci"]);
    Token {
        public_key: created["public_key"].as_str().unwrap().to_string(),
        private_key: created["private_key"].as_str().unwrap().to_string(),
    }
}

/// Sends an upload head declaring `length` bytes, then `step` bytes every 100 ms until the
/// server stops taking them; returns the connection to read the outcome from.
fn trickle_upload(app: &Appliance, token: &Token, length: usize, step: usize) -> TcpStream {
    let mut stream = connect(app);
    let head = format!(
        "POST /api/publish HTTP/1.1\r\nHost: packages.test\r\nAuthorization: {}\r\n\
         Content-Type: application/zip\r\nContent-Length: {length}\r\n\r\n",
        token.basic()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let chunk = vec![b'x'; step];
        for _ in 0..(length / step) {
            if writer.write_all(&chunk).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    stream
}

#[test]
fn an_upload_trickling_below_the_minimum_rate_is_cut_while_a_normal_one_publishes() {
    let app =
        configured("[connections]\nmin_upload_bytes_per_sec = 1000\nupload_window_secs = 1\n");
    let ci = publisher(&app);

    let started = Instant::now();
    let mut slow = trickle_upload(&app, &ci, 100_000, 10);
    match read_response(&mut slow) {
        Ok(response) => {
            assert_eq!(response.status, 408, "{}", response.text());
            assert_eq!(response.json()["error"]["code"], "too_slow");
            assert!(
                closed_by_server(&mut slow),
                "the cut upload's connection stayed open"
            );
        }
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
            ),
            "the slow upload was not cut: {e}"
        ),
    }
    let cut_after = started.elapsed();
    assert!(cut_after < PROMPTLY, "cut after {cut_after:?}");

    let zip = library(app.dir.path(), "acme/fast", "1.0.0", json!({}), None);
    let body = std::fs::read(&zip).unwrap();
    let basic = ci.basic();
    let published = crate::common::http_client::request(
        app.addr(),
        "POST",
        "/api/publish?version=1.0.0",
        &[("Authorization", &basic)],
        &body,
    );
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["status"], "published");
}

#[test]
fn valid_clients_are_answered_while_idle_and_slow_sockets_outnumber_the_file_descriptors() {
    let mut app = Appliance::new();
    let token = app.customer("acme-shop");
    app.publish(
        &library(app.dir.path(), "acme/foo", "1.0.0", json!({}), None),
        &[],
    );
    app.start_with_fd_limit(256, &[]);

    let mut hogs = Vec::new();
    for i in 0..300 {
        let mut stream = TcpStream::connect(app.addr()).expect("connect");
        let hog: &[u8] = if i % 2 == 0 {
            b"GET /packages.json HTTP/1.1\r\n"
        } else {
            b"GET /healthz HTTP/1.1\r\nHost: packages.test\r\n\r\n"
        };
        // The server may already have shed it: only the client's side matters here.
        let _ = stream.write_all(hog);
        hogs.push(stream);
    }

    for path in ["/packages.json", "/p2/acme/foo.json", "/packages.json"] {
        let started = Instant::now();
        let mut stream = connect(&app);
        stream.set_read_timeout(Some(PROMPTLY)).unwrap();
        let response = keep_alive_get(&mut stream, path, Some(&token));
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        let took = started.elapsed();
        assert!(took < PROMPTLY, "{path} took {took:?}");
    }
    assert_eq!(hogs.len(), 300);
}
