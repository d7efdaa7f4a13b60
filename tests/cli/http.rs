//! The client's requests and its reading of replies, against scripted servers started here:
//! header rules, retries, error shapes, redirects, secrets.

use crate::common;
use common::*;

const TOKEN: &str = "tok-SECRET-1234567890";

/// The official example payloads are about 9912003890; these tests look up 9434765919, and
/// an answer about another child is never shown, so the number is the one asked for.
fn about_9434765919(name: &str) -> Vec<u8> {
    String::from_utf8(fixture(name))
        .unwrap()
        .replace("9912003890", "9434765919")
        .into_bytes()
}

fn careteam() -> Vec<u8> {
    about_9434765919("fhir-careteam-searchset-found.json")
}

fn auditevent() -> Vec<u8> {
    about_9434765919("fhir-auditevent-searchset-found.json")
}

/// `cpis --base-url BASE lookup 9434765919 EXTRA...` with a clean environment.
fn lookup(base: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--base-url", base, "lookup", "9434765919"];
    args.extend_from_slice(extra);
    Cpis::new().run(&args)
}

/// Each search was sent twice (once retried) with the same X-Request-ID both times.
fn assert_each_search_retried_with_same_id(reqs: &[Seen]) {
    assert_eq!(reqs.len(), 4);
    for search in ["/CareTeam?", "/AuditEvent?"] {
        let ids: Vec<&str> = reqs
            .iter()
            .filter(|q| q.target.contains(search))
            .map(|q| q.header("x-request-id").unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "{search}");
        assert_eq!(ids[0], ids[1], "a retry reuses the X-Request-ID");
    }
}

/// Answer each search with its official example payload.
fn official(seen: &Seen, _: usize) -> Reply {
    if seen.target.contains("/CareTeam?") {
        Reply::fhir(careteam())
    } else {
        Reply::fhir(auditevent())
    }
}

#[test]
fn requests_carry_exactly_the_published_shape_and_headers() {
    let server = Scripted::start(official);
    let cpis = Cpis::new();
    let r = cpis.run_env(
        &[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--unscheduled",
            "--yes",
            "--json",
        ],
        &[("CPIS_ACCESS_TOKEN", TOKEN)],
    );
    r.assert_code(0);
    let v = r.json();
    assert_eq!(v["environment"], "custom");
    let mut reqs = server.requests();
    reqs.sort_by(|a, b| a.target.cmp(&b.target));
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].target,
        "/cpis/FHIR/R4/AuditEvent?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919&_include=AuditEvent%3Aentity-type%3Dhttp%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fv3-RoleClass%7CASSIGNED"
    );
    assert_eq!(
        reqs[1].target,
        "/cpis/FHIR/R4/CareTeam?patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919"
    );
    let mut ids = Vec::new();
    for q in &reqs {
        assert_eq!(q.method, "GET");
        assert_eq!(q.header("accept"), Some("application/fhir+json"));
        assert_eq!(q.header("isunscheduledaccessevent"), Some("true"));
        assert_eq!(q.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
        let ua = q.header("user-agent").unwrap();
        assert_eq!(ua, format!("cpis/{}", env!("CARGO_PKG_VERSION")));
        let trace = q.header("traceid").unwrap();
        assert!(uuid::Uuid::parse_str(trace).is_ok(), "{trace}");
        assert_eq!(q.header("x-request-id"), Some(trace));
        ids.push(trace.to_string());
    }
    assert_ne!(ids[0], ids[1]);
    // The trace ids in the output are the ones sent.
    let out: Vec<String> = ["care_team", "audit_event"]
        .iter()
        .map(|k| v["trace_ids"][k][0].as_str().unwrap().to_string())
        .collect();
    let mut out_sorted = out.clone();
    out_sorted.sort();
    ids.sort();
    assert_eq!(out_sorted, ids);
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
}

#[test]
fn verbose_logs_requests_without_the_nhs_number() {
    let server = Scripted::start(official);
    let r = Cpis::new().run(&[
        "--base-url",
        &server.base_url(),
        "-v",
        "lookup",
        "9434765919",
        "--scheduled",
    ]);
    r.assert_code(0);
    // The port is kept: support needs to know which server was asked.
    assert!(
        r.stderr.contains(&format!(
            "GET http://{}/cpis/FHIR/R4/CareTeam (query hidden) -> HTTP 200",
            server.addr
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("/cpis/FHIR/R4/AuditEvent (query hidden) -> HTTP 200"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("9434765919"), "{}", r.stderr);
}

#[test]
fn a_token_that_cannot_be_a_header_is_refused_before_sending() {
    let server = Scripted::start(official);
    let r = Cpis::new().run_env(
        &[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--scheduled",
        ],
        &[("CPIS_ACCESS_TOKEN", "abc\u{1}def")],
    );
    r.assert_code(2);
    r.assert_stderr_has(&["CPIS_ACCESS_TOKEN"]);
    assert!(!r.stderr.contains("abc"), "{}", r.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn scheduled_sends_false_and_no_credential_sends_nothing() {
    let server = Scripted::start(official);
    let r = lookup(&server.base_url(), &["--scheduled"]);
    r.assert_code(0);
    for q in server.requests() {
        assert_eq!(q.header("isunscheduledaccessevent"), Some("false"));
        assert_eq!(
            q.header("authorization"),
            Some(&*format!("Bearer {TEST_TOKEN}"))
        );
    }
    // Without any credential, a base URL gets nothing: exit 4 before sending, with the fix.
    let quiet = Scripted::start(official);
    let r = Cpis::signed_out().run(&[
        "--base-url",
        &quiet.base_url(),
        "lookup",
        "9434765919",
        "--scheduled",
    ]);
    r.assert_code(4).assert_stderr_has(&[
        "not signed in to custom",
        "nothing was sent",
        &format!("cpis --base-url {} auth login --user", quiet.base_url()),
    ]);
    assert!(quiet.requests().is_empty());
}

#[test]
fn the_two_searches_run_concurrently() {
    // Each reply waits until both requests have arrived: a client that sends them one after
    // the other would see the first reply held until the server's 5 s limit, then fail.
    use std::sync::{Arc, Barrier};
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    let server = Scripted::start(move |seen, _| {
        let (tx, rx) = std::sync::mpsc::channel();
        let b = b.clone();
        std::thread::spawn(move || {
            b.wait();
            let _ = tx.send(());
        });
        if rx.recv_timeout(std::time::Duration::from_secs(5)).is_err() {
            return Reply::new(500, "text/plain", "requests were not concurrent");
        }
        official(seen, 0)
    });
    let r = lookup(&server.base_url(), &["--scheduled"]);
    r.assert_code(0);
}

#[test]
fn retries_reuse_the_request_id_and_honour_retry_after_dates() {
    // Fail the first two requests (one per search) with 503 + Retry-After date, then succeed.
    let date =
        httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(1));
    let server = Scripted::start(move |seen, i| {
        if i < 2 {
            Reply::new(
                503,
                "application/json",
                r#"{"fault":{"faultstring":"busy"}}"#,
            )
            .header("Retry-After", &date)
        } else {
            official(seen, i)
        }
    });
    let r = lookup(&server.base_url(), &["--scheduled"]);
    r.assert_code(0);
    assert_each_search_retried_with_same_id(&server.requests());
}

#[test]
fn a_dropped_connection_is_retried_with_the_same_request_id() {
    let server = Scripted::start(|seen, i| {
        if i < 2 {
            Reply::hang_up()
        } else {
            official(seen, i)
        }
    });
    let r = lookup(&server.base_url(), &["--scheduled", "--json"]);
    r.assert_code(0);
    r.assert_stderr_has(&["connection failed, retrying"]);
    assert_each_search_retried_with_same_id(&server.requests());
}

#[test]
fn retries_are_bounded() {
    let server = Scripted::start(|_, _| {
        Reply::new(502, "application/json", "{}").header("Retry-After", "0")
    });
    let r = lookup(&server.base_url(), &["--scheduled"]);
    r.assert_code(7);
    r.assert_stderr_has(&["HTTP 502"]);
    // 1 attempt + 3 retries, for each of the two searches (one may be cut short when the
    // other fails first).
    let n = server.requests().len();
    assert!((4..=8).contains(&n), "{n} requests");
    // A Retry-After beyond 30 s is not waited for.
    let server = Scripted::start(|_, _| {
        Reply::new(
            429,
            "application/json",
            r#"{"message":"quota","message_id":"m-77"}"#,
        )
        .header("Retry-After", "3600")
    });
    let r = lookup(&server.base_url(), &["--scheduled"]);
    r.assert_code(7);
    r.assert_stderr_has(&["wait 3600 s", "message_id m-77"]);
    // No retries: at most one request per search. The other search may be cut short (or not
    // yet recorded by the server) when the first one fails.
    let n = server.requests().len();
    assert!((1..=2).contains(&n), "{n} requests");
}

/// Serve the given error reply to both searches and return the run.
fn error_run(reply: Reply) -> Run {
    let server = Scripted::start(move |_, _| reply.clone());
    Cpis::new().run_env(
        &[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--scheduled",
        ],
        &[("CPIS_ACCESS_TOKEN", TOKEN)],
    )
}

#[test]
fn error_shapes_become_one_message_with_support_identifiers() {
    let oo = error_run(Reply::new(
        403,
        "application/fhir+json",
        fixture("fhir-operationoutcome-access-denied.json"),
    ));
    oo.assert_code(5);
    oo.assert_stderr_has(&["code ACCESS_DENIED", "trace id "]);

    let invalid = error_run(Reply::new(
        400,
        "application/fhir+json",
        r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value","details":{"coding":[{"system":"https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode","code":"INVALID_SEARCH_DATA","display":"Invalid search data provided"}]}}]}"#,
    ));
    invalid.assert_code(2);
    assert!(invalid.stderr.contains("INVALID_SEARCH_DATA"));

    let pre = error_run(Reply::new(
        400,
        "application/fhir+json",
        r#"{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"PRECONDITION_FAILED"}]},"diagnostics":"TraceID missing"}]}"#,
    ));
    pre.assert_code(7);
    pre.assert_stderr_has(&["TraceID missing"]);

    let oauth = error_run(Reply::new(
        401,
        "application/json",
        r#"{"error":"invalid_request","error_description":"Access token expired","message_id":"rrt-42"}"#,
    ));
    oauth.assert_code(4);
    oauth.assert_stderr_has(&["Access token expired", "message_id rrt-42"]);

    let fault = error_run(Reply::new(
        500,
        "application/json",
        r#"{"fault":{"faultstring":"Gateway fault","detail":{"errorcode":"steps.x.Fault"}}}"#,
    ));
    fault.assert_code(7);
    fault.assert_stderr_has(&["Gateway fault", "steps.x.Fault"]);

    let html = error_run(Reply::new(
        403,
        "text/html",
        "<html><head><title>Proxy says no</title></head></html>",
    ));
    html.assert_code(7);
    html.assert_stderr_has(&["HTML page", "Proxy says no"]);

    let empty = error_run(Reply::new(200, "application/fhir+json", ""));
    empty.assert_code(7);
    empty.assert_stderr_has(&["empty"]);

    let truncated = error_run(Reply::new(
        200,
        "application/fhir+json",
        r#"{"resourceType":"Bundle","entry":[{"#,
    ));
    truncated.assert_code(7);
    truncated.assert_stderr_has(&["could not read the reply"]);

    let wrong_type = error_run(Reply::new(200, "text/plain", "OK"));
    wrong_type.assert_code(7);
    wrong_type.assert_stderr_has(&["text/plain"]);

    let not_bundle = error_run(Reply::new(
        200,
        "application/fhir+json",
        r#"{"resourceType":"Patient"}"#,
    ));
    not_bundle.assert_code(7);

    let proxy_auth = error_run(Reply::new(407, "text/plain", "auth"));
    proxy_auth.assert_code(6);

    for r in [
        &oo,
        &invalid,
        &pre,
        &oauth,
        &fault,
        &html,
        &empty,
        &truncated,
        &wrong_type,
    ] {
        assert!(
            !r.stderr.contains(TOKEN) && !r.stdout.contains(TOKEN),
            "token leaked: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("9434765919"),
            "NHS number in error: {}",
            r.stderr
        );
    }
}

#[test]
fn wrong_content_type_with_a_real_bundle_is_read() {
    let server = Scripted::start(|seen, _| {
        let mut r = official(seen, 0);
        r.headers = vec![("Content-Type".into(), "application/json".into())];
        r
    });
    let r = lookup(&server.base_url(), &["--scheduled", "--json"]);
    r.assert_code(0);
    assert_eq!(
        r.json()["plans"][0]["local_authority"],
        "Islington Local Authority"
    );
}

#[test]
fn server_text_cannot_reach_the_terminal_as_control_sequences() {
    let server = Scripted::start(|seen, _| {
        if seen.target.contains("/CareTeam?") {
            let body = String::from_utf8(careteam()).unwrap().replace(
                "Islington Local Authority",
                "Evil\\u001b[2J\\u001b]0;pwned\\u0007 LA\\u202e",
            );
            Reply::fhir(body)
        } else {
            Reply::fhir(auditevent())
        }
    });
    for fmt in ["table", "csv"] {
        let r = Cpis::new().run(&[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--scheduled",
            "--format",
            fmt,
        ]);
        r.assert_code(0);
        assert!(r.stdout.contains("Evil"), "{}", r.stdout);
        assert!(
            !r.stdout.contains('\x1b')
                && !r.stdout.contains('\x07')
                && !r.stdout.contains('\u{202e}'),
            "{fmt}: {:?}",
            r.stdout
        );
    }
}

#[test]
fn redirects_to_another_origin_are_not_followed() {
    // B records what arrives; A redirects every request to B (another port, then another
    // host name for the same machine). Nothing may reach B: the URL holds the NHS number and
    // B's answer would not be the named environment's.
    let b = Scripted::start(official);
    let b_port = b.addr.port();
    for host in ["127.0.0.1", "localhost"] {
        let a = Scripted::start(move |seen, _| {
            Reply::new(307, "text/plain", "").header(
                "Location",
                &format!("http://{host}:{b_port}{}", seen.target),
            )
        });
        let r = Cpis::new().run_env(
            &[
                "--base-url",
                &a.base_url(),
                "lookup",
                "9434765919",
                "--scheduled",
                "--no-pds",
            ],
            &[("CPIS_ACCESS_TOKEN", TOKEN)],
        );
        r.assert_code(7).assert_stderr_has(&[
            "redirect from 127.0.0.1 not followed",
            "another origin",
            &format!("http://{host}:{b_port}/cpis/FHIR/R4/"),
        ]);
        assert!(
            !r.stderr.contains("9434765919"),
            "the query is not shown: {}",
            r.stderr
        );
        assert_eq!(a.requests().len(), 2);
    }
    assert!(b.requests().is_empty(), "nothing reached the other origin");
}

#[test]
fn redirects_on_the_same_host_keep_authorization() {
    let server = Scripted::start(|seen, _| {
        if seen.target.starts_with("/old/") {
            Reply::new(308, "text/plain", "")
                .header("Location", &seen.target.replacen("/old/", "/", 1))
        } else {
            official(seen, 0)
        }
    });
    let base = format!("http://{}/old/cpis/FHIR/R4", server.addr);
    let r = Cpis::new().run_env(
        &["--base-url", &base, "lookup", "9434765919", "--scheduled"],
        &[("CPIS_ACCESS_TOKEN", TOKEN)],
    );
    r.assert_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|q| q.header("authorization").is_some()));
    assert!(
        reqs.iter().all(|q| q.header("referer").is_none()),
        "no Referer: it would carry the NHS number"
    );
}

#[test]
fn next_page_links_are_followed_on_the_same_origin_only() {
    let page2 = r#"{"resourceType":"Bundle","type":"searchset","total":0}"#;
    let server = Scripted::start(move |seen, _| {
        if seen.target.contains("page=2") {
            Reply::fhir(page2)
        } else if seen.target.contains("/CareTeam?") {
            let body = String::from_utf8(careteam()).unwrap().replacen(
                "\"link\": [",
                "\"link\": [\n        {\"relation\": \"next\", \"url\": \"CareTeam?page=2\"},",
                1,
            );
            Reply::fhir(body)
        } else {
            Reply::fhir(auditevent())
        }
    });
    let r = lookup(&server.base_url(), &["--scheduled", "--json"]);
    r.assert_code(0);
    assert_eq!(
        r.json()["trace_ids"]["care_team"].as_array().unwrap().len(),
        2
    );
    assert_eq!(server.requests().len(), 3);

    let evil = Scripted::start(|seen, _| {
        if seen.target.contains("/CareTeam?") {
            let body = String::from_utf8(careteam()).unwrap().replacen(
                "\"link\": [",
                "\"link\": [\n        {\"relation\": \"next\", \"url\": \"https://elsewhere.invalid/CareTeam?page=2\"},",
                1,
            );
            Reply::fhir(body)
        } else {
            Reply::fhir(auditevent())
        }
    });
    let r = Cpis::new().run_env(
        &[
            "--base-url",
            &evil.base_url(),
            "lookup",
            "9434765919",
            "--scheduled",
        ],
        &[("CPIS_ACCESS_TOKEN", TOKEN)],
    );
    r.assert_code(7);
    r.assert_stderr_has(&["another host"]);
}

#[test]
fn connection_refused_exits_6() {
    let refusing = RefusingPort::new();
    let base = format!("http://127.0.0.1:{}/cpis/FHIR/R4", refusing.port);
    let r = Cpis::new().run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--quiet",
    ]);
    r.assert_code(6);
    r.assert_stderr_has(&["refused"]);
}

#[test]
fn https_goes_through_the_proxy_plain_http_never_and_no_proxy_is_honoured() {
    // The "proxy" is a scripted server: an HTTPS request through it starts with CONNECT, which
    // it refuses (the lookup then fails), so what it saw is the proof.
    let proxy = Scripted::start(|_, _| Reply::new(502, "text/plain", "no"));
    let proxy_url = format!("http://{}", proxy.addr);
    let tls = Scripted::start_tls(official);
    let ca = tls.ca_bundle.clone().unwrap();
    let ca = ca.to_str().unwrap();
    for var in ["HTTPS_PROXY", "ALL_PROXY", "https_proxy"] {
        let r = Cpis::new().run_env(
            &[
                "--base-url",
                &tls.base_url(),
                "--ca-bundle",
                ca,
                "lookup",
                "9434765919",
                "--scheduled",
                "--no-pds",
                "--quiet",
            ],
            &[(var, &proxy_url)],
        );
        assert_ne!(r.code, 0, "{var}: {}", r.stderr);
    }
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|q| q.method == "CONNECT"),
        "HTTPS is tunnelled: {seen:?}"
    );
    assert!(tls.requests().is_empty());
    // NO_PROXY: straight there.
    let r = Cpis::new().run_env(
        &[
            "--base-url",
            &tls.base_url(),
            "--ca-bundle",
            ca,
            "lookup",
            "9434765919",
            "--scheduled",
            "--no-pds",
        ],
        &[("HTTPS_PROXY", &proxy_url), ("NO_PROXY", "127.0.0.1")],
    );
    r.assert_code(0);
    assert_eq!(tls.requests().len(), 2);
    let through_proxy = proxy.requests().len();

    // Plain HTTP (loopback only) never goes through any proxy: the token and the NHS number
    // would cross the network in clear. `localhost` is ours, never asked of DNS or a proxy.
    let direct = Scripted::start(official);
    let port = direct.addr.port();
    for base in [
        direct.base_url(),
        format!("http://localhost:{port}/cpis/FHIR/R4"),
    ] {
        let r = Cpis::new().run_env(
            &[
                "--base-url",
                &base,
                "lookup",
                "9434765919",
                "--scheduled",
                "--no-pds",
            ],
            &[
                ("HTTP_PROXY", &proxy_url),
                ("HTTPS_PROXY", &proxy_url),
                ("ALL_PROXY", &proxy_url),
                ("http_proxy", &proxy_url),
            ],
        );
        r.assert_code(0);
    }
    assert_eq!(direct.requests().len(), 4);
    assert_eq!(
        proxy.requests().len(),
        through_proxy,
        "plain HTTP went through the proxy"
    );
    // `localhost.` is a DNS name like any other: not loopback, so no plain HTTP to it.
    Cpis::new()
        .run(&[
            "--base-url",
            &format!("http://localhost.:{port}/cpis/FHIR/R4"),
            "lookup",
            "9434765919",
            "--scheduled",
        ])
        .assert_code(2)
        .assert_stderr_has(&["plain http:// is allowed only for loopback"]);
}

#[test]
fn plain_http_to_a_host_that_is_not_loopback_is_refused_before_sending() {
    // Through a proxy, so that a request would be seen if one were made.
    let proxy = Scripted::start(official);
    let proxy_url = format!("http://{}", proxy.addr);
    for base in [
        "http://cpis.example.invalid/cpis/FHIR/R4",
        "http://10.1.2.3/cpis/FHIR/R4",
    ] {
        let r = Cpis::new().run_env(
            &["--base-url", base, "lookup", "9434765919", "--scheduled"],
            &[("HTTP_PROXY", &proxy_url), ("CPIS_ACCESS_TOKEN", "tok-123")],
        );
        r.assert_code(2)
            .assert_stderr_has(&["plain http:// is allowed only for loopback"]);
        assert!(!r.stderr.contains("tok-123"));
        // The same rule for the environment variable and the profile.
        let c = Cpis::new();
        c.run_env(
            &["lookup", "9434765919", "--scheduled"],
            &[("HTTP_PROXY", &proxy_url), ("CPIS_BASE_URL", base)],
        )
        .assert_code(2)
        .assert_stderr_has(&["CPIS_BASE_URL", "loopback"]);
        c.run(&["config", "set", "base_url", base])
            .assert_code(2)
            .assert_stderr_has(&["loopback"]);
    }
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn a_redirect_to_plain_http_on_another_machine_is_refused_as_a_redirect() {
    // The NHS number is in the query: it must not travel in clear text to another machine.
    let server = Scripted::start(|seen, _| {
        Reply::new(302, "text/plain", "").header(
            "Location",
            &format!("http://cpis.example.invalid{}", seen.target),
        )
    });
    let r = lookup(&server.base_url(), &["--scheduled", "--quiet"]);
    r.assert_code(7);
    r.assert_stderr_has(&[
        "redirect from 127.0.0.1 not followed",
        "another origin (http://cpis.example.invalid/cpis/FHIR/R4/",
    ]);
    assert!(!r.stderr.contains("refused the connection"), "{}", r.stderr);
    assert!(!r.stderr.contains("9434765919"), "{}", r.stderr);
    // Only the original requests (at most one per search), none retried.
    let reqs = server.requests();
    assert!((1..=2).contains(&reqs.len()), "{reqs:?}");
    assert!(reqs.iter().all(|q| q.target.starts_with("/cpis/FHIR/R4/")));
}

#[test]
fn an_https_to_http_redirect_is_refused_as_a_redirect_not_a_refused_connection() {
    let plain = Scripted::start(official);
    let plain_port = plain.addr.port();
    let tls = Scripted::start_tls(move |seen, _| {
        Reply::new(307, "text/plain", "").header(
            "Location",
            &format!("http://127.0.0.1:{plain_port}{}", seen.target),
        )
    });
    let ca = tls.ca_bundle.clone().unwrap();
    let r = lookup(
        &tls.base_url(),
        &[
            "--ca-bundle",
            ca.to_str().unwrap(),
            "--scheduled",
            "--quiet",
        ],
    );
    r.assert_code(7);
    r.assert_stderr_has(&["not followed", "another origin (http://127.0.0.1:"]);
    assert!(!r.stderr.contains("refused the connection"), "{}", r.stderr);
    assert!(plain.requests().is_empty(), "the downgrade was followed");
    assert!((1..=2).contains(&tls.requests().len()));
}

#[test]
fn an_unusable_proxy_variable_exits_2_before_any_request() {
    let server = Scripted::start(official);
    for (var, value) in [
        ("HTTPS_PROXY", "http://[bad"),
        ("HTTPS_PROXY", "::::"),
        ("http_proxy", "ftp://proxy.example:21"),
    ] {
        let r = Cpis::new().run_env(
            &[
                "--base-url",
                &server.base_url(),
                "lookup",
                "9434765919",
                "--scheduled",
            ],
            &[(var, value)],
        );
        r.assert_code(2);
        r.assert_stderr_has(&[var]);
    }
    assert!(server.requests().is_empty());
}

/// A lookup of the scripted CP-IS at `tls` through `HTTPS_PROXY=proxy_url`, trusting `ca`.
fn lookup_through(tls: &Scripted, ca: &std::path::Path, proxy_url: &str) -> Run {
    Cpis::new().run_env(
        &[
            "--base-url",
            &tls.base_url(),
            "--ca-bundle",
            ca.to_str().unwrap(),
            "lookup",
            "9434765919",
            "--scheduled",
            "--no-pds",
        ],
        &[("HTTPS_PROXY", proxy_url)],
    )
}

#[test]
fn a_proxy_that_wants_credentials_is_asked_once_and_missing_and_wrong_ones_are_told_apart() {
    const PASS: &str = "proxy-pass-7f3e";
    let tls = Scripted::start_tls(official);
    let ca = tls.ca_bundle.clone().unwrap();
    let proxy = TunnelProxy::start(Some(&format!("alice:{PASS}")));
    // No credentials in HTTPS_PROXY: one CONNECT for each of the lookup's two searches (sent
    // at once, each run to its end), refused with 407, neither retried.
    let r = lookup_through(&tls, &ca, &proxy.url(None));
    r.assert_code(6).assert_stderr_has(&[
        "the proxy needs credentials: put them in HTTPS_PROXY as http://user:pass@host:port",
    ]);
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
    let seen = proxy.connects();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen
        .iter()
        .all(|c| c.target == tls.addr.to_string() && c.authorization.is_none()));
    // Wrong credentials: sent once, refused, said so; the password is never shown.
    let r = lookup_through(&tls, &ca, &proxy.url(Some("alice:wrong-pass-31")));
    r.assert_code(6)
        .assert_stderr_has(&["the proxy refused the credentials in HTTPS_PROXY"]);
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-pass-31") && !r.stdout.contains("wrong-pass-31"));
    let seen = proxy.connects();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen[2..].iter().all(|c| c
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Basic "))));
    assert!(tls.requests().is_empty(), "nothing reached the service");
    // The right ones: the lookup goes through the tunnel.
    let r = lookup_through(&tls, &ca, &proxy.url(Some(&format!("alice:{PASS}"))));
    r.assert_code(0);
    assert!(!r.stderr.contains(PASS) && !r.stdout.contains(PASS));
    assert_eq!(tls.requests().len(), 2);
    assert!(proxy.connects().len() > 4);
}

#[test]
fn an_https_proxy_with_credentials_carries_lookups() {
    const PASS: &str = "tls-proxy-pass-19";
    let tls = Scripted::start_tls(official);
    let proxy = TunnelProxy::start_tls(Some(&format!("bob:{PASS}")));
    // One bundle trusting both the proxy's and the service's throwaway CAs.
    let dir = private_tempdir();
    let ca = dir.path().join("both.pem");
    let service_ca = std::fs::read_to_string(tls.ca_bundle.as_ref().unwrap()).unwrap();
    std::fs::write(
        &ca,
        format!("{service_ca}{}", proxy.ca_pem.as_ref().unwrap()),
    )
    .unwrap();
    let r = lookup_through(&tls, &ca, &proxy.url(Some(&format!("bob:{PASS}"))));
    r.assert_code(0);
    assert!(!r.stderr.contains(PASS) && !r.stdout.contains(PASS));
    assert_eq!(tls.requests().len(), 2);
    let seen = proxy.connects();
    assert!(!seen.is_empty() && seen.iter().all(|c| c.authorization.is_some()));
}

/// A throwaway PKI for TLS diagnoses: a root, an intermediate, and a leaf for 127.0.0.1
/// issued by the intermediate (naming where the intermediate can be fetched, as public CAs'
/// leaves do); the leaf valid from `not_before` to `not_after`.
struct Pki {
    root_pem: String,
    root: rustls::pki_types::CertificateDer<'static>,
    intermediate: rustls::pki_types::CertificateDer<'static>,
    leaf: rustls::pki_types::CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

fn pki(validity: Option<(std::time::SystemTime, std::time::SystemTime)>) -> Pki {
    pki_named("Test Root CA", validity)
}

fn pki_named(
    root_name: &str,
    validity: Option<(std::time::SystemTime, std::time::SystemTime)>,
) -> Pki {
    use rcgen::{
        BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let ca = |name: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p
    };
    let root_key = KeyPair::generate().unwrap();
    let root = ca(root_name).self_signed(&root_key).unwrap();
    let int_key = KeyPair::generate().unwrap();
    let int = ca("Test Intermediate R9")
        .signed_by(&int_key, &root, &root_key)
        .unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    p.distinguished_name
        .push(DnType::CommonName, "cpis test server");
    if let Some((nb, na)) = validity {
        p.not_before = nb.into();
        p.not_after = na.into();
    }
    // authorityInfoAccess: caIssuers at a URL (never fetched).
    let uri = b"http://ca.example.invalid/r9.cer";
    let mut access = vec![
        0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86,
    ];
    access.push(uri.len() as u8);
    access.extend_from_slice(uri);
    let mut desc = vec![0x30, access.len() as u8];
    desc.extend(access);
    let mut aia = vec![0x30, desc.len() as u8];
    aia.extend(desc);
    p.custom_extensions.push(CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],
        aia,
    ));
    let leaf = p.signed_by(&leaf_key, &int, &int_key).unwrap();
    Pki {
        root_pem: root.pem(),
        root: root.der().clone(),
        intermediate: int.der().clone(),
        leaf: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

/// A scripted CP-IS over TLS that sends `chain` (trusting `pki`'s root).
fn tls_server(pki: &Pki, chain: Vec<rustls::pki_types::CertificateDer<'static>>) -> Scripted {
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.leaf_key.clone().into());
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Scripted::start_tls_config(official, std::sync::Arc::new(config), &pki.root_pem)
}

fn lookup_tls(server: &Scripted) -> Run {
    Cpis::new().run(&[
        "--base-url",
        &server.base_url(),
        "--ca-bundle",
        server.ca_bundle.as_ref().unwrap().to_str().unwrap(),
        "lookup",
        "9434765919",
        "--scheduled",
        "--no-pds",
    ])
}

#[test]
fn a_missing_intermediate_is_named_as_an_incomplete_chain_not_a_ca_bundle_problem() {
    let p = pki(None);
    // The whole chain: fine.
    lookup_tls(&tls_server(
        &p,
        vec![p.leaf.clone(), p.intermediate.clone()],
    ))
    .assert_code(0);
    // The leaf alone: the server's incomplete chain, said so.
    let r = lookup_tls(&tls_server(&p, vec![p.leaf.clone()]));
    r.assert_code(6).assert_stderr_has(&[
        "sends an incomplete chain",
        "\"Test Intermediate R9\"",
        "must send its intermediate certificate",
    ]);
    assert!(
        !r.stderr.contains("pass its CA certificate"),
        "{}",
        r.stderr
    );
    // A chain to a root no one here trusts: that root named, and --ca-bundle the fix.
    let other = pki_named("Another Root CA", None);
    let server = tls_server(
        &p,
        vec![p.leaf.clone(), p.intermediate.clone(), p.root.clone()],
    );
    let r = Cpis::new().run(&[
        "--base-url",
        &server.base_url(),
        "--ca-bundle",
        &{
            let dir = private_tempdir();
            let f = dir.path().join("other.pem");
            std::fs::write(&f, &other.root_pem).unwrap();
            std::mem::forget(dir);
            f.to_str().unwrap().to_string()
        },
        "lookup",
        "9434765919",
        "--scheduled",
        "--no-pds",
    ]);
    r.assert_code(6).assert_stderr_has(&[
        "not signed by a trusted authority",
        "its chain ends in \"Test Root CA\"",
        "--ca-bundle PATH",
    ]);
}

#[test]
fn an_expired_certificate_names_its_date_and_the_clock_only_when_it_could_be_the_cause() {
    use std::time::{Duration, SystemTime};
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    // Expired 2020-06-30: the certificate, not the clock.
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_593_475_200);
    let p = pki(Some((long_ago - day * 90, long_ago)));
    let r = lookup_tls(&tls_server(
        &p,
        vec![p.leaf.clone(), p.intermediate.clone()],
    ));
    r.assert_code(6)
        .assert_stderr_has(&["expired on 2020-06-30T00:00:00", "must be renewed"]);
    assert!(!r.stderr.contains("clock"), "{}", r.stderr);
    // Expired a minute ago: a fast clock could be why, so it is mentioned.
    let p = pki(Some((now - day, now - Duration::from_secs(60))));
    let r = lookup_tls(&tls_server(
        &p,
        vec![p.leaf.clone(), p.intermediate.clone()],
    ));
    r.assert_code(6)
        .assert_stderr_has(&["expired on", "if this machine's clock is fast"]);
    // Not valid for a day yet: the clock is probably behind.
    let p = pki(Some((now + day, now + day * 30)));
    let r = lookup_tls(&tls_server(
        &p,
        vec![p.leaf.clone(), p.intermediate.clone()],
    ));
    r.assert_code(6)
        .assert_stderr_has(&["is not valid until", "clock is probably behind"]);
}

#[test]
fn a_server_with_no_tls_version_or_cipher_in_common_is_not_a_certificate_problem() {
    for alert in [0x28u8, 0x46] {
        // handshake_failure, protocol_version: what a server offering only what cpis does not
        // speak (TLS 1.0, RC4, ...) answers a ClientHello with.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(mut s) = s else { continue };
                use std::io::{Read, Write};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert]);
            }
        });
        let r = Cpis::new().run(&[
            "--base-url",
            &format!("https://127.0.0.1:{}/cpis/FHIR/R4", addr.port()),
            "lookup",
            "9434765919",
            "--scheduled",
            "--no-pds",
        ]);
        r.assert_code(6).assert_stderr_has(&[
            "no TLS version or cipher suite in common",
            "--ca-bundle will not help",
        ]);
        assert!(!r.stderr.contains("pass its CA"), "{}", r.stderr);
    }
}
