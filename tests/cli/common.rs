//! Shared test helpers: run the real binary with a clean environment, start the sandbox as a
//! separate process, and a scripted HTTP server that records what it receives.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_cpis");

/// The only variables of the test's own environment a `cpis` under test sees: the rest is
/// cleared (an allow-list, so a setting this machine happens to have never reaches a test).
const PASSED_THROUGH: &[&str] = &["PATH", "HOME", "TMPDIR"];

/// A command for the binary with a cleared environment but for [`PASSED_THROUGH`].
pub fn bare_cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear();
    for k in PASSED_THROUGH {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    // No test reaches a real host: every name but an IP address fails to resolve.
    c.env("CPIS_TEST_OFFLINE", "1");
    c
}

/// A fresh temporary directory only we can use (mode 0700), as `cpis` requires of the
/// directories it keeps files in.
pub fn private_tempdir() -> tempfile::TempDir {
    let mut b = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    b.tempdir().unwrap()
}

/// The token every test command carries unless it is made with [`Cpis::signed_out`]: every
/// endpoint but the embedded sandbox needs a credential.
pub const TEST_TOKEN: &str = "cpis-test-token";

/// A `cpis` command with a private, empty configuration directory.
pub struct Cpis {
    pub config_dir: tempfile::TempDir,
    token: Option<&'static str>,
}

impl Cpis {
    /// Signed in through `CPIS_ACCESS_TOKEN` (see [`TEST_TOKEN`]).
    pub fn new() -> Self {
        Cpis {
            config_dir: private_tempdir(),
            token: Some(TEST_TOKEN),
        }
    }

    /// No `CPIS_ACCESS_TOKEN`: only what `cpis auth login` stored.
    pub fn signed_out() -> Self {
        Cpis {
            config_dir: private_tempdir(),
            token: None,
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = bare_cmd();
        // Never the machine's keyring or data directory: a keyring double and a data
        // directory inside this test's own private directory.
        c.env("CPIS_CONFIG_DIR", self.config_dir.path())
            .env(
                "CPIS_TEST_KEYRING",
                format!("dir:{}", self.keyring_dir().display()),
            )
            .env("CPIS_DATA_DIR", self.data_dir())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if let Some(t) = self.token {
            c.env("CPIS_ACCESS_TOKEN", t);
        }
        c
    }

    /// Where the keyring double keeps its entries.
    pub fn keyring_dir(&self) -> PathBuf {
        self.config_dir.path().join("keyring")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config_dir.path().join("data")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().unwrap())
    }

    /// Run with `input` on standard input.
    pub fn run_stdin(&self, args: &[&str], env: &[(&str, &str)], input: &str) -> Run {
        let mut c = self.cmd();
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command refused before it reads standard input may have exited already: a
        // broken pipe here is not the test's failure (its exit code and stderr tell).
        match child.stdin.take().unwrap().write_all(input.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.unwrap(),
        }
        Run::from(child.wait_with_output().unwrap())
    }

    /// Every file under this test's private directory (configuration, data, keyring double),
    /// with its contents.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.config_dir.path(), &mut out);
        out
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.cmd();
        for (k, v) in env {
            c.env(k, v);
        }
        Run::from(c.args(args).output().unwrap())
    }
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Assert that stderr contains every one of `needles`, showing stderr when not.
    #[track_caller]
    pub fn assert_stderr_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// `cpis sandbox serve` as a separate process on a free port; killed on drop.
pub struct SandboxProc {
    child: Child,
    pub base_url: String,
    pub ca_bundle: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl SandboxProc {
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tls = extra.contains(&"--tls");
        let tls_dir = dir.path().join("tls").to_str().unwrap().to_string();
        let mut args = vec!["sandbox", "serve", "--addr", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        if tls {
            args.extend_from_slice(&["--tls-dir", &tls_dir]);
        }
        let mut child = bare_cmd()
            .env("CPIS_CONFIG_DIR", dir.path())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut base_url = String::new();
        let mut ca_bundle = None;
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("sandbox exited before printing its address");
            }
            if let Some(u) = line.trim().strip_prefix("base_url: ") {
                base_url = u.to_string();
                if !tls {
                    break;
                }
            } else if let Some(p) = line.trim().strip_prefix("ca_bundle: ") {
                ca_bundle = Some(PathBuf::from(p));
                break;
            }
        }
        SandboxProc {
            child,
            base_url,
            ca_bundle,
            _dir: dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        let u = url::Url::parse(&self.base_url).unwrap();
        format!("{}:{}", u.host_str().unwrap(), u.port().unwrap())
            .parse()
            .unwrap()
    }
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request as the scripted server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// The request body (read up to its Content-Length).
    pub body: Vec<u8>,
}

impl Seen {
    /// The body's form fields (`application/x-www-form-urlencoded`).
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A canned reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Close the connection without any reply.
    pub fn hang_up() -> Self {
        Reply::new(0, "", "")
    }

    pub fn fhir(body: impl Into<Vec<u8>>) -> Self {
        Reply::new(200, "application/fhir+json", body)
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers each request from a closure (given the
/// request and its index) and records every request. `start_tls` serves HTTPS instead.
pub struct Scripted {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Connections accepted (PDS retrievals, which are not in `seen`, included).
    pub connections: Arc<std::sync::atomic::AtomicUsize>,
    /// For HTTPS: a PEM file of the CA that signed the server's certificate.
    pub ca_bundle: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Scripted {
    pub fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_with(handler, None)
    }

    /// HTTPS with a fresh throwaway CA (the sandbox's), for `localhost` and `127.0.0.1`.
    pub fn start_tls(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let material = cpis::sandbox::tls::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &material.ca_pem).unwrap();
        let mut s = Self::start_with(handler, Some(material.server_config));
        s.ca_bundle = Some(ca);
        s._dir = Some(dir);
        s
    }

    /// HTTPS with the server configuration given (its certificates chosen by the test), the
    /// CA to trust in `ca_pem`.
    pub fn start_tls_config(
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
        config: Arc<rustls::ServerConfig>,
        ca_pem: &str,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, ca_pem).unwrap();
        let mut s = Self::start_with(handler, Some(config));
        s.ca_bundle = Some(ca);
        s._dir = Some(dir);
        s
    }

    fn start_with(
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        let connections: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let connections2 = connections.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                connections2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let seen = seen2.clone();
                let handler = handler.clone();
                let tls = tls.clone();
                thread::spawn(move || match tls {
                    None => serve_one(stream, &seen, &*handler, |s| {
                        let _ = s.shutdown(std::net::Shutdown::Both);
                    }),
                    Some(cfg) => {
                        let conn = rustls::ServerConnection::new(cfg).unwrap();
                        let stream = rustls::StreamOwned::new(conn, stream);
                        serve_one(stream, &seen, &*handler, |s| {
                            let _ = s.sock.shutdown(std::net::Shutdown::Both);
                        })
                    }
                });
            }
        });
        Scripted {
            addr,
            seen,
            connections,
            ca_bundle: None,
            _dir: None,
        }
    }

    pub fn base_url(&self) -> String {
        let scheme = if self.ca_bundle.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}/cpis/FHIR/R4", self.addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Connections accepted so far, PDS's included.
    pub fn connection_count(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn serve_one<S: Read + Write>(
    mut stream: S,
    seen: &Mutex<Vec<Seen>>,
    handler: &Handler,
    hang_up: impl FnOnce(&mut S),
) {
    let mut reader = BufReader::new(&mut stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut body = vec![
        0;
        headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    ];
    if reader.read_exact(&mut body).is_err() {
        body.clear();
    }
    drop(reader);
    let req = Seen {
        method,
        target,
        headers,
        body,
    };
    // PDS verification, which every lookup makes first: a plain record under the number
    // asked about, answered for every scripted server and not counted among its requests.
    // Tests of PDS itself use the sandbox.
    // (Through a proxy the target is the absolute URL.)
    if let Some((_, id)) = req
        .target
        .split_once("/personal-demographics/FHIR/R4/Patient/")
    {
        let body = format!(
            r#"{{"resourceType":"Patient","id":"{id}","meta":{{"versionId":"1","security":[{{"code":"U"}}]}},"name":[{{"use":"usual","given":["Scripted"],"family":"Patient"}}],"birthDate":"2018-01-01"}}"#
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body.as_bytes());
        let _ = stream.flush();
        return;
    }
    let index = {
        let mut s = seen.lock().unwrap();
        s.push(req.clone());
        s.len() - 1
    };
    let reply = handler(&req, index);
    if reply.status == 0 {
        // Hang up without answering, as a dropped connection would.
        hang_up(&mut stream);
        return;
    }
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&reply.body);
    let _ = out.flush();
}

/// A plain HTTP GET over TCP, for poking the sandbox with exact headers. Returns
/// (status, body).
pub fn raw_get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (status, _, body) = raw_request(addr, "GET", target, headers, None);
    (status, body)
}

/// A plain HTTP POST over TCP with exact headers and body (Content-Length is added). Returns
/// (status, body).
pub fn raw_post(
    addr: SocketAddr,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let (status, _, body) = raw_request(addr, "POST", target, headers, Some(body));
    (status, body)
}

/// One HTTP/1.1 request over TCP; (status, the head's header lines, body).
pub fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    (status, head.to_string(), body.to_string())
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/sandbox/src/data")
        .join(name);
    std::fs::read(p).unwrap()
}

pub const EMPTY_BUNDLE: &str = r#"{"resourceType":"Bundle","type":"searchset","total":0}"#;

/// `cpis ARGS` on a pseudo-terminal (through util-linux `script`). Each step waits until the
/// terminal has shown its text (once more than before) and then types its keys, so that
/// nothing is typed before the program asks. Returns the exit code and everything the
/// terminal showed; `None` without `script`.
#[cfg(unix)]
pub fn on_a_terminal(cpis: &Cpis, args: &[&str], steps: &[(&str, &str)]) -> Option<(i32, String)> {
    let available = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        return None;
    }
    let base = cpis.cmd();
    let mut c = Command::new("script");
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let line = std::iter::once(base.get_program().to_string_lossy().into_owned())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = c
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = {
        let shown = shown.clone();
        let mut out = child.stdout.take().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    // A prompt that never comes or never returns must fail the test, not hang it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let text =
        |shown: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    let mut stdin = child.stdin.take().unwrap();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (wait_for, keys) in steps {
        let want = seen.get(*wait_for).copied().unwrap_or(0) + 1;
        while text(&shown).matches(wait_for).count() < want {
            if std::time::Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("the terminal never showed {wait_for:?}: {}", text(&shown));
            }
            thread::sleep(Duration::from_millis(10));
        }
        seen.insert(wait_for.to_string(), want);
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the prompt never returned: {}", text(&shown));
        }
        thread::sleep(Duration::from_millis(10));
    }
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    Some((status.code().unwrap_or(-1), text(&shown)))
}

/// The sandbox's log of request starts and ends (`start CareTeam 9990000026`, ...).
pub fn sandbox_events(sb: &SandboxProc) -> Vec<String> {
    let (status, body) = raw_get(sb.addr(), "/_sandbox/events", &[]);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// How many events of the sandbox's log are exactly `e`.
pub fn count_events(sb: &SandboxProc, e: &str) -> usize {
    sandbox_events(sb).iter().filter(|x| *x == e).count()
}

/// How many unscheduled searches (either search) the sandbox recorded for `nhs`.
pub fn sandbox_unscheduled(sb: &SandboxProc, nhs: &str) -> u64 {
    let (status, body) = raw_get(sb.addr(), &format!("/_sandbox/queries?nhs={nhs}"), &[]);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["unscheduled_searches"].as_u64().unwrap()
}

/// Sign `cpis` in as the sandbox's system identity for `base` (tokens from `token_url`, else
/// from the endpoint's own `/oauth2/token`).
pub fn login_system(cpis: &Cpis, base: &str, token_url: Option<&str>) {
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    let mut args = vec![
        "--base-url",
        base,
        "auth",
        "login",
        "--system",
        "--api-key",
        cpis::sandbox::app::API_KEY,
        "--kid",
        cpis::sandbox::app::KID,
        "--private-key",
        key.to_str().unwrap(),
        "--nominated-person",
        cpis::sandbox::app::NOMINATED_PERSON,
        "--nominated-role",
        cpis::sandbox::app::NOMINATED_ROLE,
    ];
    if let Some(u) = token_url {
        args.extend(["--token-url", u]);
    }
    cpis.run(&args).assert_code(0);
}

/// One CONNECT a [`TunnelProxy`] received.
#[derive(Debug, Clone)]
pub struct Connect {
    /// `host:port` asked for.
    pub target: String,
    /// The `Proxy-Authorization` header, when one was sent.
    pub authorization: Option<String>,
}

/// A tunnelling HTTP proxy on an ephemeral loopback port, as corporate proxies are: it answers
/// CONNECT with 407 (`Proxy-Authenticate: Basic`) unless the request carries
/// `Proxy-Authorization: Basic` with `credentials` (`user:password`; `None`: none needed),
/// else opens the tunnel to the target and relays both ways. With `tls` it is an `https://`
/// proxy: the connection to it is TLS (its throwaway CA in `ca_pem`). Every CONNECT is
/// recorded before it is answered.
pub struct TunnelProxy {
    pub addr: SocketAddr,
    pub ca_pem: Option<String>,
    connects: Arc<Mutex<Vec<Connect>>>,
}

impl TunnelProxy {
    pub fn start(credentials: Option<&str>) -> Self {
        Self::start_with(credentials, false)
    }

    pub fn start_tls(credentials: Option<&str>) -> Self {
        Self::start_with(credentials, true)
    }

    fn start_with(credentials: Option<&str>, tls: bool) -> Self {
        use base64::Engine;
        let expected = credentials.map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(c)
            )
        });
        let material = tls.then(|| cpis::sandbox::tls::generate().unwrap());
        let ca_pem = material.as_ref().map(|m| m.ca_pem.clone());
        let acceptor = material.map(|m| tokio_rustls::TlsAcceptor::from(m.server_config));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let connects: Arc<Mutex<Vec<Connect>>> = Arc::default();
        let seen = connects.clone();
        thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let (seen, expected, acceptor) =
                        (seen.clone(), expected.clone(), acceptor.clone());
                    tokio::spawn(async move {
                        match acceptor {
                            None => tunnel(stream, &seen, expected.as_deref()).await,
                            Some(a) => {
                                if let Ok(s) = a.accept(stream).await {
                                    tunnel(s, &seen, expected.as_deref()).await
                                }
                            }
                        }
                    });
                }
            });
        });
        TunnelProxy {
            addr,
            ca_pem,
            connects,
        }
    }

    /// The CONNECTs received so far.
    pub fn connects(&self) -> Vec<Connect> {
        self.connects.lock().unwrap().clone()
    }

    /// The proxy URL, with `user:password@` when given.
    pub fn url(&self, userinfo: Option<&str>) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        match userinfo {
            Some(u) => format!("{scheme}://{u}@{}", self.addr),
            None => format!("{scheme}://{}", self.addr),
        }
    }
}

/// Serve one connection to a [`TunnelProxy`].
async fn tunnel<S>(mut client: S, seen: &Mutex<Vec<Connect>>, expected: Option<&str>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The request head, a byte at a time: nothing after it is read here.
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut b).await {
            Ok(1) if head.len() < 16 * 1024 => head.push(b[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let authorization = lines.find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case("proxy-authorization"))
            .map(|(_, v)| v.trim().to_string())
    });
    if method != "CONNECT" {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    }
    seen.lock().unwrap().push(Connect {
        target: target.to_string(),
        authorization: authorization.clone(),
    });
    if expected.is_some() && authorization.as_deref() != expected {
        let _ = client
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        let _ = client.shutdown().await;
        return;
    }
    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
        let _ = client
            .write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// A loopback port that refuses connections for as long as this lives: a socket bound to it
/// and never listening, so that no other test's server can be given the port meanwhile (a
/// listener bound and dropped frees its port for the next test that asks for one).
#[cfg(unix)]
pub struct RefusingPort {
    fd: i32,
    pub port: u16,
}

#[cfg(unix)]
impl RefusingPort {
    pub fn new() -> Self {
        // SAFETY: a socket we own, bound to 127.0.0.1:0 and asked its port; closed on drop.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket");
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(
                libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len),
                0,
                "bind"
            );
            let mut got: libc::sockaddr_in = std::mem::zeroed();
            let mut got_len = len;
            assert_eq!(
                libc::getsockname(fd, &mut got as *mut _ as *mut libc::sockaddr, &mut got_len),
                0,
                "getsockname"
            );
            RefusingPort {
                fd,
                port: u16::from_be(got.sin_port),
            }
        }
    }
}

#[cfg(unix)]
impl Drop for RefusingPort {
    fn drop(&mut self) {
        // SAFETY: our own descriptor, closed once.
        unsafe {
            libc::close(self.fd);
        }
    }
}

/// Elsewhere: a port bound and freed at once (another test could be given it meanwhile).
#[cfg(not(unix))]
pub struct RefusingPort {
    pub port: u16,
}

#[cfg(not(unix))]
impl RefusingPort {
    pub fn new() -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        RefusingPort {
            port: l.local_addr().unwrap().port(),
        }
    }
}
