//! `reprint serve` as a real process on a loopback port, spoken to with
//! plain HTTP/1.1 over a TCP socket.

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    let built = common::run(&["index", "build", index.to_str().unwrap(), DATA, "-q"]);
    assert!(built.status.success());
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("reprint"))
        .args([
            "serve",
            index.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--token-file",
        ])
        .arg(&token)
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("reprint: listening on http://")
        .unwrap_or_else(|| panic!("unexpected: {line}"))
        .to_owned();
    Server {
        child,
        addr,
        _dir: dir,
    }
}

/// One request; returns (status, body).
fn request(addr: &str, method: &str, path: &str, body: &str, token: Option<&str>) -> (u16, String) {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let response = send(
        addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{auth}"
        ),
        body,
    );
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

/// Sends `head` (request line and headers, each ending in CRLF), then
/// `Content-Length`, `Connection: close` and `body`; returns the whole
/// response (a minute at most).
fn send(addr: &str, head: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    // A service that stops answering fails the test instead of hanging it.
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        s,
        "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

const FAIR: &str = "A village fair with prize pumpkins, cakes and a brass band that played all afternoon long in the square.";

#[test]
fn routes_answer_as_documented() {
    let server = start(&[]);
    let a = &server.addr;
    let (status, body) = request(a, "GET", "/health", "", None);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["documents"],
        8
    );

    let (status, body) = request(
        a,
        "POST",
        "/check",
        &json!({"text": FAIR}).to_string(),
        Some("s3cret"),
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["verdict"],
        "new"
    );

    let article = json!({"id": "fair", "text": FAIR}).to_string();
    assert_eq!(request(a, "POST", "/admit", &article, None).0, 401);
    assert_eq!(request(a, "POST", "/admit", &article, Some("wrong")).0, 401);
    let (status, body) = request(a, "POST", "/admit", &article, Some("s3cret"));
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["verdict"].as_str(), v["admitted"].as_bool()),
        (Some("new"), Some(true))
    );

    let (status, body) = request(a, "GET", "/documents/fair", "", Some("s3cret"));
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["text"], FAIR);
    assert_eq!(
        request(a, "GET", "/documents/nope", "", Some("s3cret")).0,
        404
    );

    let (status, body) = request(a, "GET", "/stats", "", Some("s3cret"));
    assert_eq!(status, 200, "{body}");
    let stats: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["schema"], "reprint.index-stats/1");
    assert_eq!(stats["documents"], 9);

    let (status, body) = request(a, "POST", "/check", "{not json", Some("s3cret"));
    assert_eq!(status, 400);
    assert!(serde_json::from_str::<Value>(&body).unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    assert_eq!(
        request(
            a,
            "POST",
            "/admit",
            &json!({"text": FAIR}).to_string(),
            Some("s3cret")
        )
        .0,
        400
    );

    let (status, body) = request(a, "GET", "/metrics", "", None);
    assert_eq!(status, 200);
    assert!(
        body.contains("reprint_requests_total{endpoint=\"admit\"} 4"),
        "{body}"
    );
    assert!(body.contains("reprint_verdicts_total{verdict=\"new\"} 2"));
    assert!(body.contains("reprint_index_documents 9"));
    assert!(body.contains("reprint_request_duration_seconds_count"));
}

#[test]
fn large_bodies_are_refused() {
    let server = start(&["--max-body", "1K"]);
    let big = json!({"id": "big", "text": FAIR.repeat(40)}).to_string();
    assert_eq!(request(&server.addr, "POST", "/check", &big, None).0, 413);
}

/// Admits are serialized with their verdicts: of two concurrent admits of
/// the same text, exactly one gets in and the other is its duplicate.
#[test]
fn concurrent_admits_of_the_same_text_are_not_both_new() {
    let server = start(&[]);
    let mut rng = common::Rng::new(3);
    let vocab = common::vocabulary(5000);
    for round in 0..5 {
        let words: Vec<&str> = (0..60)
            .map(|_| common::zipf_word(&mut rng, &vocab))
            .collect();
        let text = words.join(" ");
        let handles: Vec<_> = (0..2)
            .map(|k| {
                let addr = server.addr.clone();
                let body = json!({"id": format!("r{round}-{k}"), "text": text}).to_string();
                std::thread::spawn(move || request(&addr, "POST", "/admit", &body, Some("s3cret")))
            })
            .collect();
        let verdicts: Vec<Value> = handles
            .into_iter()
            .map(|h| serde_json::from_str(&h.join().unwrap().1).unwrap())
            .collect();
        let new = verdicts.iter().filter(|v| v["verdict"] == "new").count();
        let admitted = verdicts.iter().filter(|v| v["admitted"] == true).count();
        let duplicates = verdicts
            .iter()
            .filter(|v| v["verdict"] == "duplicate")
            .count();
        assert_eq!((new, admitted, duplicates), (1, 1, 1), "{verdicts:?}");
    }
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut server = start(&[]);
    assert_eq!(request(&server.addr, "GET", "/health", "", None).0, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// Blank text is not an article and an empty id cannot be fetched: both
/// are refused with a 400 that says why, and nothing is admitted.
#[test]
fn blank_text_and_empty_ids_are_refused() {
    let server = start(&[]);
    let a = &server.addr;
    for (path, body, says) in [
        ("/check", json!({"text": "  \n "}), "is empty: no article"),
        (
            "/admit",
            json!({"id": "x", "text": ""}),
            "is empty: no article",
        ),
        ("/admit", json!({"id": " ", "text": FAIR}), "needs an id"),
    ] {
        let (status, reply) = request(a, "POST", path, &body.to_string(), Some("s3cret"));
        assert_eq!(status, 400, "{path} {body}: {reply}");
        let error = serde_json::from_str::<Value>(&reply).unwrap()["error"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(error.contains(says), "{error}");
    }
    let (_, health) = request(a, "GET", "/health", "", None);
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap()["documents"],
        8
    );
}

/// With a token, reading the index needs it too (`/check`, `/documents`,
/// `/stats`), unless `--open-reads`; `/health` and `/metrics` never do.
/// Bodies must be declared JSON.
#[test]
fn reads_need_the_token_unless_open_reads_and_bodies_must_be_json() {
    let check = json!({"text": FAIR}).to_string();
    let closed = start(&[]);
    let a = &closed.addr;
    for (method, path, body) in [
        ("POST", "/check", check.as_str()),
        ("GET", "/documents/x", ""),
        ("GET", "/stats", ""),
    ] {
        let (status, reply) = request(a, method, path, body, None);
        assert_eq!(status, 401, "{path}: {reply}");
        assert!(reply.contains("needs Authorization: Bearer"), "{reply}");
        assert_eq!(request(a, method, path, body, Some("s3cre")).0, 401);
        assert_ne!(request(a, method, path, body, Some("s3cret")).0, 401);
    }
    assert_eq!(request(a, "GET", "/health", "", None).0, 200);
    assert_eq!(request(a, "GET", "/metrics", "", None).0, 200);

    let open = start(&["--open-reads"]);
    let o = &open.addr;
    assert_eq!(request(o, "POST", "/check", &check, None).0, 200);
    assert_eq!(request(o, "GET", "/stats", "", None).0, 200);
    let article = json!({"id": "fair", "text": FAIR}).to_string();
    assert_eq!(request(o, "POST", "/admit", &article, None).0, 401);

    // A form post, or no declared type, is refused before it is read.
    for declared in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let header = if declared.is_empty() {
            String::new()
        } else {
            format!("Content-Type: {declared}\r\n")
        };
        let response = send(
            o,
            &format!("POST /check HTTP/1.1\r\nHost: test\r\n{header}"),
            &check,
        );
        assert!(
            response.starts_with("HTTP/1.1 415"),
            "{declared}: {response}"
        );
        assert!(
            response.contains("Content-Type: application/json"),
            "{response}"
        );
    }
}

/// Reads what the server sends until it closes the connection, failing
/// the test if that takes more than `limit`.
fn read_until_closed(s: &mut TcpStream, limit: std::time::Duration) -> String {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => String::from_utf8_lossy(&got).into_owned(),
        Err(e) => panic!("the server kept the connection open past {limit:?}: {e}"),
    }
}

/// A client that sends half a request, or trickles its body, or opens
/// connections and sends nothing, cannot hold the service: the half-sent
/// request is dropped after the header timeout, the trickled one gets a
/// 408, and with every connection slot taken by idle sockets `/health`
/// answers as soon as the idle ones time out.
#[test]
fn slow_and_idle_clients_cannot_hold_the_service() {
    let server = start(&[
        "--header-timeout",
        "1",
        "--request-timeout",
        "2",
        "--max-connections",
        "4",
    ]);
    let a = &server.addr;
    let started = std::time::Instant::now();
    let mut half = TcpStream::connect(a).unwrap();
    write!(half, "POST /check HTTP/1.1\r\nHost: test\r\nContent-Ty").unwrap();
    read_until_closed(&mut half, std::time::Duration::from_secs(10));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let mut trickle = TcpStream::connect(a).unwrap();
    let body = json!({"text": FAIR}).to_string();
    write!(
        trickle,
        "POST /check HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer s3cret\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    let reply = read_until_closed(&mut trickle, std::time::Duration::from_secs(10));
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("took longer than"), "{reply}");

    // Four idle sockets fill the slots; a fifth client waits for one to
    // be closed by the header timeout, then gets its answer.
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(a).unwrap()).collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let waited = std::time::Instant::now();
    assert_eq!(request(a, "GET", "/health", "", None).0, 200);
    assert!(waited.elapsed() < std::time::Duration::from_secs(5));
    drop(idle);
}

/// SIGTERM does not wait on a client that never finishes its request.
#[test]
fn sigterm_does_not_wait_on_a_stalled_client() {
    let mut server = start(&["--header-timeout", "3600", "--request-timeout", "3600"]);
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    write!(stalled, "POST /check HTTP/1.1\r\nHost: test\r\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // A connection in the middle of a request is given the drain
    // deadline (10 s) to finish, then dropped.
    assert!(started.elapsed() < std::time::Duration::from_secs(12));
}

/// Lowers (or restores, with `None`) the soft file-size limit of process
/// `pid`: past it, its writes fail with EFBIG, as on a full disk.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on structs we own.
    let got = unsafe { libc::prlimit(pid as i32, libc::RLIMIT_FSIZE, std::ptr::null(), &mut old) };
    assert_eq!(got, 0, "prlimit: {}", std::io::Error::last_os_error());
    let new = libc::rlimit {
        rlim_cur: bytes.unwrap_or(old.rlim_max),
        rlim_max: old.rlim_max,
    };
    let set = unsafe { libc::prlimit(pid as i32, libc::RLIMIT_FSIZE, &new, std::ptr::null_mut()) };
    assert_eq!(set, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// The index's disk fills while the service runs (its file-size limit
/// lowered to the file's size: writes fail as on a full disk): admits get
/// 503 and `/health` reports the fault; once space is back the service
/// admits again, without a restart.
#[test]
fn a_full_disk_is_reported_and_recovered_from_without_a_restart() {
    let server = start(&[]);
    let index = server._dir.path().join("i.redb");
    let admit = |i: usize| -> (u16, String) {
        // Distinct, incompressible-enough articles that make the file grow.
        let text: String = (0..20_000)
            .map(|k| format!("w{} ", (k * 7919 + i * 104_729) % 100_003))
            .collect();
        let body = serde_json::json!({ "id": format!("big-{i}"), "text": text }).to_string();
        request(&server.addr, "POST", "/admit", &body, Some("s3cret"))
    };
    assert_eq!(admit(0).0, 200);
    let size = std::fs::metadata(&index).unwrap().len();
    limit_file_size(server.child.id(), Some(size));
    let failed = (1..200).map(admit).find(|(status, _)| *status != 200);
    let (status, body) = failed.expect("the disk never filled");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the index is unavailable"), "{body}");
    let (status, body) = request(&server.addr, "GET", "/health", "", None);
    assert_eq!(status, 503, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "fault", "{body}");

    limit_file_size(server.child.id(), None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let recovered = loop {
        let (status, body) = admit(1_000);
        if status == 200 || std::time::Instant::now() > deadline {
            break (status, body);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(recovered.0, 200, "{}", recovered.1);
    let (status, body) = request(&server.addr, "GET", "/health", "", None);
    assert_eq!(status, 200, "{body}");
    let (status, _) = request(
        &server.addr,
        "GET",
        "/documents/big-1000",
        "",
        Some("s3cret"),
    );
    assert_eq!(status, 200);
}
