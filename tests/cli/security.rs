//! Nothing leaks, nothing goes elsewhere: the environment named is the one used for every
//! URL, answers have a size limit, and server text is neutralised in every format. Hostile
//! servers are small scripted servers on loopback.

use crate::common;
use common::*;

/// A scripted server answering as PDS (a Patient for the number asked) and as CP-IS (`bundle`
/// for every search), and token requests with a short-lived token.
fn platform(bundle: &'static str) -> Scripted {
    Scripted::start(move |seen, _| {
        if seen.target.contains("/personal-demographics/") {
            let id = seen.target.rsplit('/').next().unwrap().to_string();
            Reply::fhir(format!(
                r#"{{"resourceType":"Patient","id":"{id}","name":[{{"given":["Ada"],"family":"Lovelace"}}],"birthDate":"2015-01-01"}}"#
            ))
        } else if seen.target.contains("/oauth2/token") {
            Reply::new(
                200,
                "application/json",
                r#"{"access_token":"tok-from-here","expires_in":"599","token_type":"Bearer"}"#,
            )
        } else {
            Reply::fhir(bundle)
        }
    })
}

#[test]
fn the_profiles_urls_are_set_aside_when_another_endpoint_is_chosen() {
    let profile_cpis = platform(EMPTY_BUNDLE);
    let profile_pds = platform(EMPTY_BUNDLE);
    let chosen = platform(EMPTY_BUNDLE);
    let cpis = Cpis::new();
    cpis.run(&["config", "set", "base_url", &profile_cpis.base_url()])
        .assert_code(0);
    let pds = format!("http://{}/personal-demographics/FHIR/R4", profile_pds.addr);
    cpis.run(&["config", "set", "pds_base_url", &pds])
        .assert_code(0);
    // With the profile's endpoint, its PDS is used.
    // (Scripted servers answer PDS themselves without listing it: count connections.)
    cpis.run(&["lookup", "9434765919", "--scheduled"])
        .assert_code(0);
    assert_eq!(profile_pds.connection_count(), 1);
    // --base-url chooses another endpoint: the profile's PDS is not sent the token.
    for how in ["flag", "variable"] {
        let before = profile_pds.connection_count();
        let r = match how {
            "flag" => cpis.run(&[
                "--base-url",
                &chosen.base_url(),
                "lookup",
                "9434765919",
                "--scheduled",
            ]),
            _ => cpis.run_env(
                &["lookup", "9434765919", "--scheduled"],
                &[("CPIS_BASE_URL", &chosen.base_url())],
            ),
        };
        r.assert_code(0)
            .assert_stderr_has(&["warning: pds_base_url", "not used"]);
        assert_eq!(profile_pds.connection_count(), before, "{how}");
    }
    // The chosen endpoint had both searches of each lookup, and PDS beside them.
    assert_eq!(chosen.requests().len(), 4);
    assert!(chosen.connection_count() > 4);
    // --env local: nothing of the profile's goes beyond the embedded sandbox.
    let before = profile_pds.connection_count();
    cpis.run(&["--env", "local", "lookup", "9990000026", "--scheduled"])
        .assert_code(0)
        .assert_stderr_has(&["not used"]);
    assert_eq!(profile_pds.connection_count(), before);
}

#[test]
fn a_system_sign_in_for_another_endpoint_does_not_use_the_profiles_token_url() {
    let profile_tokens = platform(EMPTY_BUNDLE);
    let chosen = platform(EMPTY_BUNDLE);
    let cpis = Cpis::signed_out();
    let profile_token_url = format!("{}/oauth2/token", profile_tokens.base_url());
    // Set for its own (loopback) endpoint, then sign in elsewhere.
    cpis.run(&["config", "set", "base_url", &profile_tokens.base_url()])
        .assert_code(0);
    cpis.run(&["config", "set", "token_url", &profile_token_url])
        .assert_code(0);
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    let r = cpis.run(&[
        "--base-url",
        &chosen.base_url(),
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
    ]);
    r.assert_code(0)
        .assert_stderr_has(&["warning: token_url", "not used"]);
    assert!(
        profile_tokens.requests().is_empty(),
        "the assertion went to the profile's token URL"
    );
    assert_eq!(
        chosen
            .requests()
            .iter()
            .filter(|q| q.target == "/oauth2/token")
            .count(),
        1
    );
}

#[test]
fn with_the_embedded_sandbox_every_url_is_loopback() {
    let cpis = Cpis::new();
    // Alerts: a profile alert_base_url off this machine is refused before anything is sent.
    cpis.run(&[
        "config",
        "set",
        "alert_base_url",
        "https://alerts.example.test/cpis",
    ])
    .assert_code(0);
    let alert = [
        "alert",
        "missed-appointment",
        "9990000026",
        "--appointment",
        "2026-11-24T10:30+00:00",
        "--service",
        "Community paediatrics",
        "--location",
        "Clinic 4",
        "--note",
        "Missed",
        "--yes",
    ];
    cpis.run(&alert)
        .assert_code(2)
        .assert_stderr_has(&["alert_base_url", "is not on environment local"]);
    cpis.run(&["config", "unset", "alert_base_url"])
        .assert_code(0);
    let mut flag = alert.to_vec();
    flag.extend(["--alert-base-url", "https://alerts.example.test/cpis"]);
    cpis.run(&flag)
        .assert_code(2)
        .assert_stderr_has(&["--alert-base-url", "is not on environment local"]);
    // A token URL off this machine for a sign-in to the embedded sandbox.
    let key = cpis.config_dir.path().join("app.pem");
    std::fs::write(&key, cpis::sandbox::app::PRIVATE_KEY_PEM).unwrap();
    cpis.run(&[
        "auth",
        "login",
        "--system",
        "--api-key",
        "k",
        "--kid",
        "kid-1",
        "--private-key",
        key.to_str().unwrap(),
        "--nominated-person",
        "555123456789",
        "--token-url",
        "https://tokens.example.test/oauth2/token",
    ])
    .assert_code(2)
    .assert_stderr_has(&["is not on environment local"]);
}

#[test]
fn config_show_lists_every_key_with_its_source_and_no_prose_for_urls() {
    let cpis = Cpis::signed_out();
    let v = cpis.run(&["config", "show", "--json"]).json();
    for key in [
        "profile",
        "env",
        "base_url",
        "care_setting",
        "ca_bundle",
        "timeout",
        "access_token",
        "credential_store",
        "token_url",
        "api_key",
        "kid",
        "private_key",
        "cis2_issuer",
        "cis2_client_id",
        "redirect_port",
        "alert_base_url",
        "pds_base_url",
        "verify_on_pds",
        "data_dir",
        "config_dir",
    ] {
        let row = &v[key];
        assert!(row.get("source").is_some(), "{key}: {row}");
        match row["value"].as_str() {
            Some(value) => assert!(!value.starts_with('('), "{key}: prose as a value: {row}"),
            None => {
                assert!(row["value"].is_null(), "{key}: {row}");
                assert!(row["note"].is_string(), "{key}: no note: {row}");
            }
        }
    }
    // The embedded sandbox has no URL: null, with a note, from the endpoint's source.
    assert!(v["base_url"]["value"].is_null());
    assert_eq!(v["base_url"]["source"], "default");
    assert_eq!(v["verify_on_pds"]["value"], "true");
    assert_eq!(v["verify_on_pds"]["source"], "default");
    assert_eq!(
        v["config_dir"]["value"],
        cpis.config_dir.path().to_str().unwrap()
    );
    cpis.run(&["config", "set", "verify_on_pds", "false"])
        .assert_code(0);
    cpis.run(&["config", "set", "cis2_client_id", "client-1"])
        .assert_code(0);
    let v = cpis.run(&["config", "show", "--json"]).json();
    assert_eq!(v["verify_on_pds"]["value"], "false");
    assert_eq!(v["verify_on_pds"]["source"], "profile default");
    assert_eq!(v["cis2_client_id"]["value"], "client-1");
    let t = cpis.run(&["config", "show"]);
    for key in [
        "credential_store",
        "pds_base_url",
        "data_dir",
        "cis2_issuer",
    ] {
        assert!(
            t.stdout.contains(&format!("| {key} ")),
            "{key}: {}",
            t.stdout
        );
    }
}

#[test]
fn an_answer_over_the_size_limit_is_not_read() {
    // 17 MiB of a valid-looking bundle: more than any answer holds.
    let big: &'static str = Box::leak(
        format!(
            r#"{{"resourceType":"Bundle","type":"searchset","total":0,"pad":"{}"}}"#,
            "x".repeat(17 * 1024 * 1024)
        )
        .into_boxed_str(),
    );
    let server = Scripted::start(move |_, _| Reply::fhir(big));
    let r = Cpis::new().run(&[
        "--base-url",
        &server.base_url(),
        "lookup",
        "9434765919",
        "--scheduled",
        "--no-pds",
    ]);
    r.assert_code(7)
        .assert_stderr_has(&["answer too large (over 16 MiB)"]);
    assert!(r.stdout.is_empty());
    // Not retried: the next answer would be as large.
    assert_eq!(server.requests().len(), 2);
}

const HOSTILE: &str = r#"{"resourceType":"Bundle","type":"searchset","total":1,"entry":[
  {"resource":{"resourceType":"CareTeam",
    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"342191000000101","display":"Child protection plan\u001b[2J"}]}],
    "name":"=HYPERLINK(\"http://evil.example\",\"Kent\u202e\u2066 LA\")",
    "subject":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"NHS"}},
    "telecom":[{"system":"phone","value":"+44 1632 960000\u200f","use":"work"},{"system":"phone","value":"@0800\u061c","use":"mobile"}],
    "period":{"start":"2025-01-01"}},
   "search":{"mode":"match"}}]}"#;

fn bidi_or_control(s: &str) -> Option<char> {
    s.chars().find(|c| {
        (c.is_control() && !matches!(c, '\n'))
            || matches!(
                c,
                '\u{061C}'
                    | '\u{200E}'
                    | '\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
            )
    })
}

#[test]
fn server_text_is_neutralised_in_every_format_and_never_a_formula() {
    let body: &'static str = Box::leak(
        HOSTILE
            .replace("\"NHS\"", "\"9434765919\"")
            .into_boxed_str(),
    );
    let server = platform(body);
    let base = server.base_url();
    let cpis = Cpis::new();
    for format in ["table", "json", "csv"] {
        let r = cpis.run(&[
            "--base-url",
            &base,
            "lookup",
            "9434765919",
            "--scheduled",
            "--format",
            format,
        ]);
        r.assert_code(0);
        assert_eq!(bidi_or_control(&r.stdout), None, "{format}: {:?}", r.stdout);
        assert!(
            !r.stdout.contains("\\u001b"),
            "{format}: an escape, escaped, is still one"
        );
    }
    let raw = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--raw",
    ]);
    raw.assert_code(0);
    assert_eq!(bidi_or_control(&raw.stdout), None, "{:?}", raw.stdout);
    let csv = cpis.run(&[
        "--base-url",
        &base,
        "lookup",
        "9434765919",
        "--scheduled",
        "--format",
        "csv",
    ]);
    assert!(csv.stdout.contains("'=HYPERLINK("), "{}", csv.stdout);
    assert!(csv.stdout.contains("'+44 1632 960000"), "{}", csv.stdout);
    assert!(csv.stdout.contains("'@0800"), "{}", csv.stdout);
    // Batch: JSON Lines and CSV alike.
    for format in ["jsonl", "csv"] {
        let r = cpis.run_stdin(
            &[
                "--base-url",
                &base,
                "batch",
                "-",
                "--scheduled",
                "--rate",
                "100",
                "--format",
                format,
            ],
            &[],
            "9434765919\n",
        );
        r.assert_code(0);
        assert_eq!(bidi_or_control(&r.stdout), None, "{format}: {:?}", r.stdout);
        if format == "csv" {
            assert!(r.stdout.contains("'=HYPERLINK("), "{}", r.stdout);
        }
    }
}
