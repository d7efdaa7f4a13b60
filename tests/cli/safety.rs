//! The clinical safety rules of a lookup, through the binary (see docs/hazard-log.md): an
//! answer is shown only for the child asked about; an unscheduled search is never resent when
//! it may have reached CP-IS; nothing notifies a local authority without the user's yes.

use crate::common;
use common::*;

const FORMATS: [&[&str]; 4] = [&[], &["--format", "json"], &["--format", "csv"], &["--raw"]];

fn lookup(cpis: &Cpis, sb: &SandboxProc, number: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--base-url", sb.base_url.as_str(), "lookup", number];
    args.extend_from_slice(extra);
    cpis.run(&args)
}

#[test]
fn an_answer_about_another_child_is_never_shown_in_any_format() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // 999 000 0255's plans and 999 000 0263's access history name 999 000 0026.
    for number in ["9990000255", "9990000263"] {
        for care in [&["--scheduled"][..], &["--unscheduled", "--yes"]] {
            for format in FORMATS {
                let mut extra = care.to_vec();
                extra.extend_from_slice(format);
                let r = lookup(&cpis, &sb, number, &extra);
                r.assert_code(7).assert_stderr_has(&[
                    "the service answered about a different NHS number",
                    "nothing of that answer is shown",
                ]);
                assert!(r.stdout.is_empty(), "{number} {extra:?}: {}", r.stdout);
                // The other child's number is not repeated anywhere.
                assert!(!r.stderr.contains("9990000026"), "{}", r.stderr);
                assert!(!r.stderr.contains("999 000 0026"), "{}", r.stderr);
            }
        }
    }
    // The same answer through a scripted server: a CareTeam naming another number.
    let other = String::from_utf8(fixture("fhir-careteam-searchset-found.json")).unwrap();
    let server = Scripted::start(move |seen, _| {
        if seen.target.contains("/CareTeam?") {
            Reply::fhir(other.clone())
        } else {
            Reply::fhir(EMPTY_BUNDLE)
        }
    });
    let r = cpis.run(&[
        "--base-url",
        &server.base_url(),
        "lookup",
        "9434765919",
        "--scheduled",
        "--no-pds",
        "--json",
    ]);
    r.assert_code(7);
    assert!(r.stdout.is_empty());
}

#[test]
fn a_plan_that_names_no_patient_is_shown_with_a_warning() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = lookup(
        &cpis,
        &sb,
        "9990000271",
        &["--scheduled", "--format", "json"],
    );
    r.assert_code(0)
        .assert_stderr_has(&["warning: 1 result(s) in the answer name no patient"]);
    let v = r.json();
    assert_eq!(v["has_active_plan"], true);
    assert!(v["warnings"][0]
        .as_str()
        .unwrap()
        .contains("name no patient"));
    let t = lookup(&cpis, &sb, "9990000271", &["--scheduled"]);
    t.assert_code(0);
    assert!(t.stdout.contains("Warning: 1 result(s)"), "{}", t.stdout);
    // A plain answer carries no warnings field at all.
    let plain = lookup(&cpis, &sb, "9990000026", &["--scheduled", "--json"]);
    assert!(plain.json().get("warnings").is_none());
}

#[test]
fn an_unscheduled_search_that_may_have_reached_cpis_is_not_resent() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    // 0239: recorded, then 504. 0247: recorded, then the connection is closed.
    for number in ["9990000239", "9990000247"] {
        let r = lookup(&cpis, &sb, number, &["--unscheduled", "--yes"]);
        r.assert_code(7).assert_stderr_has(&[
            "may have reached CP-IS: do not repeat without checking",
            "--scheduled",
        ]);
        assert!(r.stdout.is_empty());
        assert_eq!(count_events(&sb, &format!("start CareTeam {number}")), 1);
        assert_eq!(count_events(&sb, &format!("start AuditEvent {number}")), 1);
        assert_eq!(sandbox_unscheduled(&sb, number), 2, "{number}");
    }
    // A scheduled (silent) read of the same is retried: it notifies nobody.
    let r = lookup(&cpis, &sb, "9990000239", &["--scheduled", "--quiet"]);
    r.assert_code(7);
    assert!(!r.stderr.contains("may have reached"), "{}", r.stderr);
    assert_eq!(count_events(&sb, "start CareTeam 9990000239"), 1 + 4);
}

#[test]
fn unscheduled_5xx_are_not_retried_but_429_and_refused_connections_are() {
    for status in [500u16, 502, 503, 504, 408] {
        let server = Scripted::start(move |_, _| {
            Reply::new(status, "application/json", "{}").header("Retry-After", "0")
        });
        let r = Cpis::new().run(&[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--unscheduled",
            "--yes",
            "--no-pds",
        ]);
        r.assert_code(7)
            .assert_stderr_has(&["may have reached CP-IS: do not repeat without checking"]);
        assert_eq!(server.requests().len(), 2, "HTTP {status}: one per search");
    }
    // A 429 is the platform's spike arrest: CP-IS never saw it, so it is retried.
    let server = Scripted::start(|_, i| {
        if i < 2 {
            Reply::new(429, "application/json", "{}").header("Retry-After", "0")
        } else {
            Reply::fhir(EMPTY_BUNDLE)
        }
    });
    Cpis::new()
        .run(&[
            "--base-url",
            &server.base_url(),
            "lookup",
            "9434765919",
            "--unscheduled",
            "--yes",
            "--no-pds",
        ])
        .assert_code(0);
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn a_401_renews_once_and_resends_only_the_refused_search() {
    // CP-IS scripted: the first AuditEvent search is refused (an expired token), everything
    // else answered. Tokens come from a sandbox's token endpoint (a system identity).
    let sb = SandboxProc::start(&[]);
    let origin = sb.base_url.split("/cpis/").next().unwrap().to_string();
    let token_url = format!("{origin}/oauth2/token");
    let refused = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = {
        let refused = refused.clone();
        Scripted::start(move |seen, _| {
            if seen.target.contains("/AuditEvent?")
                && !refused.swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                return Reply::new(401, "application/json", r#"{"message":"expired"}"#);
            }
            Reply::fhir(EMPTY_BUNDLE)
        })
    };
    let cpis = Cpis::signed_out();
    let base = server.base_url();
    login_system(&cpis, &base, Some(&token_url));
    let r = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--unscheduled",
        "--yes",
        "--no-pds",
    ]);
    r.assert_code(0)
        .assert_stderr_has(&["refused the access token (HTTP 401)"]);
    let reqs = server.requests();
    let n = |s: &str| reqs.iter().filter(|q| q.target.contains(s)).count();
    assert_eq!(n("/CareTeam?"), 1, "the answered search is never resent");
    assert_eq!(n("/AuditEvent?"), 2);
    let tokens: Vec<&str> = reqs
        .iter()
        .filter(|q| q.target.contains("/AuditEvent?"))
        .map(|q| q.header("authorization").unwrap())
        .collect();
    assert_ne!(tokens[0], tokens[1], "resent with a new token");

    // A service that keeps refusing: one renewal, one resend of each search, then exit 4.
    let always =
        Scripted::start(|_, _| Reply::new(401, "application/json", r#"{"message":"expired"}"#));
    let cpis = Cpis::signed_out();
    let base = always.base_url();
    login_system(&cpis, &base, Some(&token_url));
    let pds = format!("{origin}/personal-demographics/FHIR/R4");
    let r = cpis.run(&[
        "--base-url",
        &base,
        "--pds-base-url",
        &pds,
        "lookup",
        "9990000026",
        "--scheduled",
    ]);
    r.assert_code(4);
    let reqs = always.requests();
    let n = |s: &str| reqs.iter().filter(|q| q.target.contains(s)).count();
    // Each search is sent, then resent at most once with the one new token (a renewal that
    // itself fails, as it may on a loaded machine, resends nothing): never a third time.
    assert!(
        n("/CareTeam?") <= 2,
        "CareTeam sent {} times: {}",
        n("/CareTeam?"),
        r.stderr
    );
    assert!(
        n("/AuditEvent?") <= 2,
        "AuditEvent sent {} times: {}",
        n("/AuditEvent?"),
        r.stderr
    );
    assert!(
        n("/CareTeam?") + n("/AuditEvent?") >= 3,
        "at least one refused search was resent: {}",
        r.stderr
    );
}

#[test]
fn an_unscheduled_lookup_without_pds_still_needs_a_yes() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let r = lookup(&cpis, &sb, "9990000026", &["--unscheduled", "--no-pds"]);
    r.assert_code(2)
        .assert_stderr_has(&["must be confirmed first", "nothing was sent"]);
    // verify_on_pds = false in the profile: the same.
    cpis.run(&["config", "set", "verify_on_pds", "false"])
        .assert_code(0);
    lookup(&cpis, &sb, "9990000026", &["--unscheduled"]).assert_code(2);
    // --dob cannot be checked without PDS.
    lookup(
        &cpis,
        &sb,
        "9990000026",
        &["--unscheduled", "--dob", "2019-06-14"],
    )
    .assert_code(2)
    .assert_stderr_has(&["--dob is checked against PDS"]);
    assert_eq!(sandbox_unscheduled(&sb, "9990000026"), 0);
    assert!(!sandbox_events(&sb).iter().any(|e| e.contains("CareTeam")));
    // --yes is the script's way.
    lookup(&cpis, &sb, "9990000026", &["--unscheduled", "--yes"]).assert_code(0);
    assert_eq!(sandbox_unscheduled(&sb, "9990000026"), 2);
}

#[cfg(unix)]
#[test]
fn prompts_need_a_whole_answer_and_enter_and_ctrl_c_cancels() {
    let sb = SandboxProc::start(&[]);
    let cpis = Cpis::new();
    let args = [
        "--base-url",
        sb.base_url.as_str(),
        "lookup",
        "9990000026",
        "--unscheduled",
    ];
    // One keypress and no Enter never confirms; Ctrl-C then cancels.
    let Some((code, shown)) = on_a_terminal(&cpis, &args, &[("[y/N]", "y"), ("[y/N] y", "\x03")])
    else {
        eprintln!("note: util-linux `script` is not installed: the prompt was not exercised");
        return;
    };
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("cancelled: nothing was sent"), "{shown}");
    // Something else is asked again; Enter alone is No.
    let (code, shown) = on_a_terminal(
        &cpis,
        &args,
        &[("[y/N]", "es\n"), ("please answer yes or no", "\n")],
    )
    .unwrap();
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("declined: not the patient"), "{shown}");
    assert_eq!(
        sandbox_unscheduled(&sb, "9990000026"),
        0,
        "nothing sent yet"
    );
    // Without PDS the question says the number is not verified.
    let mut unverified = args.to_vec();
    unverified.push("--no-pds");
    let (code, shown) = on_a_terminal(&cpis, &unverified, &[("[y/N]", "no\n")]).unwrap();
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("not verified on PDS"), "{shown}");
    assert_eq!(sandbox_unscheduled(&sb, "9990000026"), 0);
    // A whole yes, in any case.
    let (code, shown) = on_a_terminal(&cpis, &args, &[("[y/N]", "YES\n")]).unwrap();
    assert_eq!(code, 0, "{shown}");
    assert_eq!(sandbox_unscheduled(&sb, "9990000026"), 2);
}

#[test]
fn a_token_post_follows_no_redirect() {
    // Whatever the redirect, the client assertion is never posted (or fetched) elsewhere.
    let elsewhere = Scripted::start(|_, _| Reply::new(200, "application/json", "{}"));
    let target = format!("{}/oauth2/token", elsewhere.base_url());
    for status in [301u16, 302, 303, 307, 308] {
        let to = target.clone();
        let token = Scripted::start(move |_, _| {
            Reply::new(status, "text/plain", "").header("Location", &to)
        });
        let cpis = Cpis::signed_out();
        let key = cpis.config_dir.path().join("app.pem");
        std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
        let base = token.base_url();
        let token_url = format!("{base}/oauth2/token");
        let r = cpis.run(&[
            "--base-url",
            &base,
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
            "--token-url",
            &token_url,
        ]);
        r.assert_code(7)
            .assert_stderr_has(&["a redirect to", "not followed"]);
        assert!(
            r.stderr.contains(&target),
            "names the Location: {}",
            r.stderr
        );
        assert_eq!(token.requests().len(), 1, "HTTP {status}");
    }
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reached the other server"
    );
}
