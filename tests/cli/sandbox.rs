//! `cpis sandbox serve` as its own process: the header checks it makes, the access history it
//! keeps, HTTPS with its throwaway CA, and the client through an HTTPS proxy.

use crate::common;
use common::*;

const CT: &str = "/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000026";
const UUID: &str = "5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d";

fn good_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TraceID", UUID),
        ("X-Request-ID", UUID),
        ("IsUnscheduledAccessEvent", "false"),
    ]
}

fn without(name: &str) -> Vec<(&'static str, &'static str)> {
    good_headers()
        .into_iter()
        .filter(|(k, _)| *k != name)
        .collect()
}

fn with(name: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut h = without(name);
    h.push((name, value));
    h
}

#[test]
fn sandbox_checks_headers_like_the_service() {
    let sb = SandboxProc::start(&[]);
    let addr = sb.addr();
    let (s, body) = raw_get(addr, CT, &good_headers());
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("\"resourceType\": \"Bundle\""));

    for h in [
        without("TraceID"),
        with("TraceID", "not-a-uuid"),
        without("X-Request-ID"),
        with("X-Request-ID", "12345"),
        without("IsUnscheduledAccessEvent"),
        with("IsUnscheduledAccessEvent", "maybe"),
    ] {
        let (s, body) = raw_get(addr, CT, &h);
        assert_eq!(s, 400, "{h:?}: {body}");
        assert!(body.contains("PRECONDITION_FAILED"), "{h:?}: {body}");
    }

    let mut h = good_headers();
    h.push(("Authorization", "Basic abc"));
    let (s, body) = raw_get(addr, CT, &h);
    assert_eq!(s, 401, "{body}");

    for bad in ["9990000027", "12345", "abc"] {
        let target = CT.replace("9990000026", bad);
        let (s, body) = raw_get(addr, &target, &good_headers());
        assert_eq!(s, 400, "{bad}: {body}");
        assert!(body.contains("INVALID_SEARCH_DATA"), "{body}");
    }
    let (s, body) = raw_get(addr, "/cpis/FHIR/R4/CareTeam", &good_headers());
    assert_eq!(s, 400);
    assert!(body.contains("INVALID_SEARCH_DATA"));

    let (s, body) = raw_get(
        addr,
        &CT.replace("9990000026", "9434765919"),
        &good_headers(),
    );
    assert_eq!(s, 404);
    assert!(body.contains("SANDBOX_UNKNOWN_PATIENT"), "{body}");

    let (s, body) = raw_get(addr, "/cpis/FHIR/R4/metadata", &[]);
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["resourceType"], "CapabilityStatement");
    assert_eq!(v["rest"][0]["mode"], "server");
}

#[test]
fn access_history_is_kept_deduplicated_and_untouched_by_scheduled_reads() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let count = |care: &str| -> usize {
        let r = cpis.run(&[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            care,
            "--yes",
            "--json",
            "--quiet",
        ]);
        r.assert_code(0);
        r.json()["access_history"].as_array().unwrap().len()
    };
    assert_eq!(count("--scheduled"), 2);
    assert_eq!(count("--scheduled"), 2, "a scheduled read records nothing");
    assert_eq!(
        count("--unscheduled"),
        3,
        "an unscheduled read records the caller"
    );
    assert_eq!(count("--unscheduled"), 3, "once per person per 24 hours");
    assert_eq!(count("--scheduled"), 3);
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ]);
    let h = r.json()["access_history"].clone();
    assert_eq!(h[0]["name"], "Dr Alex SANDBOX", "newest first");

    // At most 25 even after an unscheduled access on a long history.
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000085",
        "--unscheduled",
        "--yes",
        "--json",
    ]);
    let h = r.json()["access_history"].clone();
    assert_eq!(h.as_array().unwrap().len(), 25);
    assert_eq!(h[0]["name"], "Dr Alex SANDBOX");
}

#[test]
fn https_with_the_generated_ca_and_not_without_it() {
    let sb = SandboxProc::start(&["--tls"]);
    assert!(sb.base_url.starts_with("https://127.0.0.1:"));
    let ca = sb.ca_bundle.clone().unwrap();
    let ca_s = ca.to_str().unwrap();
    let cpis = Cpis::new();

    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "--ca-bundle",
        ca_s,
        "lookup",
        "9990000026",
        "--scheduled",
        "--json",
    ]);
    r.assert_code(0);
    assert_eq!(r.json()["has_plan"], true);

    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(6);
    r.assert_stderr_has(&["not signed by a trusted authority", "--ca-bundle"]);

    // SSL_CERT_FILE adds to the platform roots.
    let r = cpis.run_env(
        &[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--scheduled",
        ],
        &[("SSL_CERT_FILE", ca_s)],
    );
    r.assert_code(0);

    // So does SSL_CERT_DIR, skipping files that are not certificates.
    let certs = tempfile::tempdir().unwrap();
    std::fs::copy(&ca, certs.path().join("sandbox.pem")).unwrap();
    std::fs::write(certs.path().join("README"), "not a certificate").unwrap();
    let r = cpis.run_env(
        &[
            "--base-url",
            &sb.base_url,
            "lookup",
            "9990000026",
            "--scheduled",
        ],
        &[("SSL_CERT_DIR", certs.path().to_str().unwrap())],
    );
    r.assert_code(0);

    // The profile's ca_bundle works too.
    cpis.run(&["config", "set", "ca_bundle", ca_s])
        .assert_code(0);
    cpis.run(&[
        "--base-url",
        &sb.base_url,
        "lookup",
        "9990000026",
        "--scheduled",
    ])
    .assert_code(0);

    // A missing bundle is a usage error, not a silent fallback.
    let r = cpis.run(&[
        "--base-url",
        &sb.base_url,
        "--ca-bundle",
        "/nonexistent/ca.pem",
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(2);
    r.assert_stderr_has(&["cannot read CA bundle"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ca).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn unusable_ca_files_exit_2_naming_the_file_and_where_it_came_from() {
    let sb = SandboxProc::start(&["--tls"]);
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let g = garbage.to_str().unwrap();
    let cpis = Cpis::new();
    let tls_lookup = |args: &[&str], env: &[(&str, &str)]| {
        let mut a = vec!["--base-url", &sb.base_url];
        a.extend_from_slice(args);
        a.extend_from_slice(&["lookup", "9990000026", "--scheduled"]);
        cpis.run_env(&a, env)
    };

    let r = tls_lookup(&["--ca-bundle", g], &[]);
    r.assert_code(2);
    r.assert_stderr_has(&[g, "set by --ca-bundle", "holds no PEM certificates"]);
    let r = tls_lookup(&[], &[("SSL_CERT_FILE", g)]);
    r.assert_code(2);
    r.assert_stderr_has(&[g, "set by SSL_CERT_FILE"]);
    // PEM armour around something that is not a certificate (was exit 6, "BadEncoding").
    let not_der = dir.path().join("not-der.pem");
    std::fs::write(
        &not_der,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let n = not_der.to_str().unwrap();
    let r = tls_lookup(&["--ca-bundle", n], &[]);
    r.assert_code(2);
    r.assert_stderr_has(&[n, "set by --ca-bundle", "cannot be used"]);
    cpis.run(&["config", "set", "ca_bundle", g]).assert_code(0);
    let r = tls_lookup(&[], &[]);
    r.assert_code(2);
    r.assert_stderr_has(&[g, "set by profile default (ca_bundle)"]);
    cpis.run(&["config", "unset", "ca_bundle"]).assert_code(0);

    // Missing files are found before any request, even for the embedded sandbox (no TLS).
    let r = cpis.run(&[
        "--ca-bundle",
        "/nonexistent/ca.pem",
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(2);
    r.assert_stderr_has(&["cannot read CA bundle /nonexistent/ca.pem (set by --ca-bundle)"]);
    let r = cpis.run_env(
        &["lookup", "9990000026", "--scheduled"],
        &[("SSL_CERT_DIR", "/nonexistent/certs")],
    );
    r.assert_code(2);
    r.assert_stderr_has(&["/nonexistent/certs (set by SSL_CERT_DIR)"]);

    // SSL_CERT_FILE and SSL_CERT_DIR together still add to the platform's roots.
    let ca = sb.ca_bundle.clone().unwrap();
    let mut env = vec![("SSL_CERT_FILE", ca.to_str().unwrap())];
    if std::path::Path::new("/etc/ssl/certs").is_dir() {
        env.push(("SSL_CERT_DIR", "/etc/ssl/certs"));
    }
    tls_lookup(&["--quiet"], &env).assert_code(0);
}

/// A CONNECT proxy on loopback that records each CONNECT target and tunnels the bytes.
fn connect_proxy() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let seen = seen2.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                seen.lock().unwrap().push(target.clone());
                let upstream = TcpStream::connect(&target).unwrap();
                let mut c = client;
                c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c_r, mut u_w) = (c.try_clone().unwrap(), upstream.try_clone().unwrap());
                let t = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_r, &mut u_w);
                    let _ = u_w.shutdown(std::net::Shutdown::Write);
                });
                let mut u_r = upstream;
                let _ = std::io::copy(&mut u_r, &mut c);
                let _ = c.shutdown(std::net::Shutdown::Write);
                let _ = t.join();
            });
        }
    });
    (addr, seen)
}

#[test]
fn https_proxy_tunnels_and_tls_is_still_verified_end_to_end() {
    let sb = SandboxProc::start(&["--tls"]);
    let ca = sb.ca_bundle.clone().unwrap();
    let (proxy, seen) = connect_proxy();
    let proxy_url = format!("http://{proxy}");
    // Through "localhost" so that reqwest does not bypass the proxy for a loopback IP.
    let base = sb.base_url.replace("127.0.0.1", "localhost");
    let ca_s = ca.to_str().unwrap();
    let lookup_with = |env: &[(&str, &str)]| {
        let args = [
            "--base-url",
            &base,
            "--ca-bundle",
            ca_s,
            "lookup",
            "9990000026",
            "--scheduled",
            "--quiet",
        ];
        Cpis::new().run_env(&args, env)
    };
    lookup_with(&[("HTTPS_PROXY", &proxy_url)]).assert_code(0);
    let port = sb.addr().port();
    let targets = seen.lock().unwrap().clone();
    // PDS and the two searches at once: a tunnel each (or fewer, when one is reused).
    assert!((2..=3).contains(&targets.len()), "{targets:?}");
    assert!(
        targets.iter().all(|t| *t == format!("localhost:{port}")),
        "{targets:?}"
    );

    // NO_PROXY bypasses it.
    lookup_with(&[("HTTPS_PROXY", &proxy_url), ("NO_PROXY", "localhost")]).assert_code(0);
    assert_eq!(seen.lock().unwrap().len(), targets.len());

    // A dead proxy is reported as a proxy problem.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let r = lookup_with(&[("HTTPS_PROXY", &format!("http://{dead}"))]);
    r.assert_code(6);
    // The message itself names the proxy and the variable, not only a generic hint.
    // (PDS, asked alongside the searches, is the first to fail.)
    r.assert_stderr_has(&[
        "PDS patient retrieval: cannot reach localhost through the proxy",
        "hint: check HTTPS_PROXY and NO_PROXY",
    ]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_130() {
    // The slow patient keeps the lookup busy for 3 s. The unscheduled note is printed once the
    // lookup is under way (after Ctrl-C handling is installed): interrupt it then.
    use std::io::BufRead;
    let cpis = Cpis::new();
    let mut child = cpis
        .cmd()
        .args(["lookup", "9990000158", "--unscheduled", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("unscheduled lookup"), "{line}");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("interrupted"), "{rest}");
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

/// `cpis sandbox serve ARGS` that is expected to start listening: its `base_url:` and, with
/// `--tls`, `ca_bundle:` lines. Killed on drop.
struct Serving {
    child: std::process::Child,
    base_url: String,
    ca_bundle: Option<std::path::PathBuf>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_serve(cpis: &Cpis, args: &[&str]) -> std::process::Child {
    cpis.cmd()
        .args(["sandbox", "serve"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Read stdout lines until `base_url:` (and `ca_bundle:` with `--tls`). `Err` carries the run
/// when the process exits first.
fn read_serving(mut child: std::process::Child, tls: bool) -> Result<Serving, Run> {
    use std::io::{BufRead, Read};
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut stdout = String::new();
    let mut base_url = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            let code = child.wait().unwrap().code().unwrap_or(-1);
            return Err(Run {
                code,
                stdout,
                stderr,
            });
        }
        stdout.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("base_url: ") {
            base_url = Some(u.to_string());
            if !tls {
                break;
            }
        } else if let Some(p) = line.trim().strip_prefix("ca_bundle: ") {
            return Ok(Serving {
                child,
                base_url: base_url.unwrap(),
                ca_bundle: Some(p.into()),
            });
        }
    }
    Ok(Serving {
        child,
        base_url: base_url.unwrap(),
        ca_bundle: None,
    })
}

#[track_caller]
fn serve(cpis: &Cpis, args: &[&str]) -> Serving {
    let tls = args.contains(&"--tls");
    read_serving(spawn_serve(cpis, args), tls).unwrap_or_else(|r| {
        panic!(
            "exited with {} before listening:\n{}{}",
            r.code, r.stdout, r.stderr
        )
    })
}

/// `cpis sandbox serve ARGS` that is expected to refuse before listening.
#[track_caller]
fn serve_refused(cpis: &Cpis, args: &[&str]) -> Run {
    match read_serving(spawn_serve(cpis, args), args.contains(&"--tls")) {
        Ok(s) => panic!(
            "listening on {} although it should have refused",
            s.base_url
        ),
        Err(r) => {
            assert!(!r.stdout.contains("base_url"), "{}", r.stdout);
            r
        }
    }
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn private_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn the_temporary_ca_directory_is_unpredictable_private_and_removed_on_stop_signals() {
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let cpis = Cpis::new();
        let mut s = serve(&cpis, &["--addr", "127.0.0.1:0", "--tls"]);
        let ca = s.ca_bundle.clone().unwrap();
        let dir = ca.parent().unwrap().to_path_buf();
        let pid = s.child.id();
        assert_ne!(
            dir,
            std::env::temp_dir().join(format!("cpis-sandbox-{pid}")),
            "the directory's name must not be predictable"
        );
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("cpis-sandbox-"), "{name}");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&ca), 0o600);
        assert!(std::fs::read_to_string(&ca)
            .unwrap()
            .contains("BEGIN CERTIFICATE"));
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, sig) }, 0);
        let status = s.child.wait().unwrap();
        assert!(status.success(), "signal {sig}: {status:?}");
        assert!(!dir.exists(), "signal {sig}: {} remains", dir.display());
    }
}

#[cfg(unix)]
#[test]
fn tls_dir_must_be_private_and_not_a_symbolic_link() {
    use std::os::unix::fs::PermissionsExt;
    let cpis = Cpis::new();
    let t = private_tempdir();

    let open = t.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let open_s = open.to_str().unwrap();
    let r = serve_refused(
        &cpis,
        &["--addr", "127.0.0.1:0", "--tls", "--tls-dir", open_s],
    );
    r.assert_code(2)
        .assert_stderr_has(&[open_s, "mode 0755", "--tls-dir"]);
    assert!(!open.join("ca.pem").exists());

    let private = t.path().join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let link = t.path().join("link");
    std::os::unix::fs::symlink(&private, &link).unwrap();
    let link_s = link.to_str().unwrap();
    let r = serve_refused(
        &cpis,
        &["--addr", "127.0.0.1:0", "--tls", "--tls-dir", link_s],
    );
    r.assert_code(2)
        .assert_stderr_has(&[link_s, "symbolic link"]);
    assert!(!private.join("ca.pem").exists());
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_planted_at_ca_pem_is_replaced_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let cpis = Cpis::new();
    let t = private_tempdir();
    let victim = t.path().join("victim.pem");
    std::fs::write(&victim, "victim").unwrap();
    let tls = t.path().join("tls");
    std::fs::create_dir(&tls).unwrap();
    std::fs::set_permissions(&tls, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&victim, tls.join("ca.pem")).unwrap();
    let s = serve(
        &cpis,
        &[
            "--addr",
            "127.0.0.1:0",
            "--tls",
            "--tls-dir",
            tls.to_str().unwrap(),
        ],
    );
    let ca = tls.join("ca.pem");
    assert_eq!(s.ca_bundle.as_deref(), Some(ca.as_path()));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
    assert!(std::fs::symlink_metadata(&ca).unwrap().is_file());
    assert_eq!(mode(&ca), 0o600);
    assert!(std::fs::read_to_string(&ca)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
}

#[test]
fn listening_beyond_loopback_needs_allow_remote() {
    let cpis = Cpis::new();
    let r = serve_refused(&cpis, &["--addr", "0.0.0.0:0"]);
    r.assert_code(2)
        .assert_stderr_has(&["0.0.0.0:0", "--allow-remote"]);

    let s = serve(&cpis, &["--addr", "0.0.0.0:0", "--allow-remote"]);
    assert!(s.base_url.starts_with("http://0.0.0.0:"), "{}", s.base_url);
}
