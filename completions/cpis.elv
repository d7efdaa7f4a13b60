
use builtin;
use str;

set edit:completion:arg-completer[cpis] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cpis'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cpis'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand lookup 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access'
            cand batch 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row'
            cand auth 'Sign in, see who cpis acts as, or sign out'
            cand doctor 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials'
            cand alert 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts'
            cand sandbox 'Run the embedded CP-IS sandbox, or list its synthetic patients'
            cand config 'Show or change configuration (profiles in config.toml)'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page, or write every page into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;lookup'= {
            cand --format 'Output format'
            cand --dob 'The child''s date of birth: checked against PDS before CP-IS is asked (a mismatch exits 2 and sends nothing to CP-IS); stands in for the confirmation of an unscheduled lookup'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --scheduled 'Scheduled care: silent read, nothing recorded, no notification'
            cand --unscheduled 'Unscheduled care: the access is recorded and the local authority is notified'
            cand --no-validate 'Skip the Modulus 11 check (only for test data that fails it, like the official example 9912003890)'
            cand --json 'Shorthand for --format json'
            cand --raw 'Print the service''s FHIR bundles unchanged instead of rendering them'
            cand --curl 'Print the equivalent curl commands (headers included, the token as $CPIS_ACCESS_TOKEN) and send nothing'
            cand -y 'Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)'
            cand --yes 'Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)'
            cand --no-pds 'Do not verify the patient on PDS first (every output then says "not verified on PDS")'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;batch'= {
            cand --column 'Read CSV with a header row and take the NHS number from this column'
            cand -o 'Write the records to this file (created mode 0600; appended to when resuming) instead of standard output'
            cand --output 'Write the records to this file (created mode 0600; appended to when resuming) instead of standard output'
            cand --format 'Record format'
            cand --rate 'Requests per second, every attempt counted (retries included)'
            cand --concurrency 'CP-IS requests in flight at once (and so at most N rows in doubt if the process dies); with PDS on, up to N more rows are being verified on PDS meanwhile'
            cand --pds-rate 'PDS requests per second (PDS has its own limit) [default: the same as --rate]'
            cand --state 'The run''s durable state (SQLite, mode 0600), which a rerun resumes [default: the output file + .state; on standard output, none: every run starts afresh]'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --scheduled 'Scheduled care: silent read, nothing recorded, no notification'
            cand --unscheduled 'Unscheduled care: each access is recorded and the local authority is notified'
            cand --no-pds 'Do not verify each number on PDS first (every record then says "not verified")'
            cand --fresh 'Start a new run: discard the state of an earlier one (its output must have been moved away first); rows it sent are sent again'
            cand -y 'Do not ask "notify up to N local authorities?" before an unscheduled batch (for scripts: the list has been checked); without it, an unscheduled batch needs a terminal'
            cand --yes 'Do not ask "notify up to N local authorities?" before an unscheduled batch (for scripts: the list has been checked); without it, an unscheduled batch needs a terminal'
            cand --retry-failed 'On a resumed run, query again the rows that ended as `error` (never an unscheduled row CP-IS may have seen: that is `in-doubt`)'
            cand --retry-in-doubt 'On a resumed unscheduled run, query again the rows in doubt (sent, answer never recorded) instead of reporting them as `in-doubt`; the local authority may be notified twice'
            cand --keep-order 'Write the records in input order (each waits for the rows before it) instead of as results arrive'
            cand --no-progress 'Hide the progress bar (it is shown only when standard error is a terminal other than TERM=dumb; NO_COLOR does not hide it)'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Sign in for this profile and environment'
            cand status 'Show who cpis acts as here, where the credential is kept and when it expires'
            cand logout 'Remove everything stored for this profile and environment'
            cand keygen 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
            cand token 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
            cand assertion 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;auth;login'= {
            cand --cis2-issuer 'CIS2''s issuer [default: the environment''s CIS2 (INT or live)]'
            cand --cis2-client-id 'This application''s CIS2 client id'
            cand --redirect-port 'The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback [default: any free port]'
            cand --api-key 'The application''s API key on the NHS API platform'
            cand --kid 'The key id registered with the platform for the signing key'
            cand --private-key 'The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is copied into the credential store'
            cand --nominated-person 'The person responsible for CP-IS queries made by this system (shown on every output)'
            cand --nominated-role 'The nominated person''s job role'
            cand --nominated-role-code 'The nominated person''s job role code (e.g. R8000), which the HL7 V3 route (--route v3) sends beside the role''s name [default: the profile''s nominated_role_code]'
            cand --token-url 'The platform''s token endpoint [default: {environment host}/oauth2/token]'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --with-token 'Read a ready-made access token from standard input (prompted for on a terminal)'
            cand --system 'Sign in as a registered system (signed-JWT client credentials), acting for a nominated person; with --env local, the embedded sandbox''s built-in application'
            cand --user 'Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local, the embedded sandbox''s mock CIS2 and a synthetic user'
            cand --combined 'Sign in as an NHS smartcard user through the API platform''s own sign-in page (CIS2 "combined authentication"), where the application has no CIS2 registration of its own'
            cand --cis2-client-secret-stdin 'Read the CIS2 client secret from the first line of standard input (else CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)'
            cand --no-browser 'Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect'
            cand --mock-auth 'Use the platform''s mock authorisation ({host}/oauth2-mock/token), for testing'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;status'= {
            cand --format 'Output format'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --json 'Shorthand for --format json'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;logout'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;keygen'= {
            cand --kid 'The key id to register the public key under (also names the files)'
            cand --out 'The directory to write KID.pem (private, 0600) and KID.jwks.json into'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;token'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --yes 'Print it even though standard output is a terminal, where it can be seen, scrolled back to and recorded'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;assertion'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --yes 'Print it even though standard output is a terminal'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;auth;help'= {
            cand login 'Sign in for this profile and environment'
            cand status 'Show who cpis acts as here, where the credential is kept and when it expires'
            cand logout 'Remove everything stored for this profile and environment'
            cand keygen 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
            cand token 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
            cand assertion 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;auth;help;login'= {
        }
        &'cpis;auth;help;status'= {
        }
        &'cpis;auth;help;logout'= {
        }
        &'cpis;auth;help;keygen'= {
        }
        &'cpis;auth;help;token'= {
        }
        &'cpis;auth;help;assertion'= {
        }
        &'cpis;auth;help;help'= {
        }
        &'cpis;doctor'= {
            cand --format 'Output format'
            cand --query 'Also make one scheduled (silent: nothing recorded, no one notified) lookup of this NHS number end to end, with the time of each phase'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --json 'Print one JSON document, safe to attach to a support ticket (no token, secret or NHS number); shorthand for --format json'
            cand --curl 'Print the requests doctor would make as curl commands (secrets as shell variables) and send nothing'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;alert'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand missed-appointment 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
            cand list 'Every alert in the outbox with its state, reference and local authority'
            cand retry 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;alert;missed-appointment'= {
            cand --appointment 'When the missed appointment was: YYYY-MM-DDThh:mm[:ss], this machine''s local time unless an offset (Z, +01:00) is given; not in the future'
            cand --service 'The service the appointment was with (at most 200 characters)'
            cand --location 'Where the appointment was (at most 200 characters)'
            cand --note 'What the local authority should know (at most 1000 characters; line breaks allowed)'
            cand --note-file 'Read the note from FILE instead of --note, or from standard input with `-`, so it never appears in the process list (same rules as --note; with `-`, --yes or --dry-run is needed)'
            cand --alert-base-url 'Base URL the alert is POSTed under ({base}/Communication) [default: the profile''s alert_base_url, else the CP-IS base URL]'
            cand --format 'Output format of the result'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --yes 'Send without asking (for scripts): check the preview first, e.g. with --dry-run'
            cand --dry-run 'Make the same checks, print the FHIR body on stdout, and send and keep nothing'
            cand --json 'Shorthand for --format json'
            cand --no-pds 'Do not verify the patient on PDS first (the preview then says "not verified on PDS")'
            cand --again 'Make a second alert (a new identifier) although the outbox already holds one, sent or pending, for this NHS number and appointment time [default: refuse, exit 2, showing it]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;alert;list'= {
            cand --format 'Output format'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --json 'Shorthand for --format json'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;alert;retry'= {
            cand --alert-base-url 'Base URL the alerts were made for, when not the profile''s alert_base_url or the CP-IS base URL'
            cand --format 'Output format of each result'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --yes 'Resend without asking (for scripts)'
            cand --json 'Shorthand for --format json'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;alert;help'= {
            cand missed-appointment 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
            cand list 'Every alert in the outbox with its state, reference and local authority'
            cand retry 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;alert;help;missed-appointment'= {
        }
        &'cpis;alert;help;list'= {
        }
        &'cpis;alert;help;retry'= {
        }
        &'cpis;alert;help;help'= {
        }
        &'cpis;sandbox'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
            cand patients 'List the sandbox''s synthetic patients and what each one shows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;sandbox;serve'= {
            cand --addr 'Address to listen on (port 0 picks a free port); loopback only unless --allow-remote'
            cand --tls-fault 'Serve a deliberately wrong certificate with --tls, to see what clients say'
            cand --tls-dir 'Directory for the CA certificate with --tls, private to you [default: a fresh private temporary directory, removed on exit]'
            cand --delay-ms 'Extra latency added to every response, in milliseconds (for benchmarks)'
            cand --clock-offset-secs 'Seconds to add to the Date of every response (negative: behind), to show clock skew'
            cand --rate-limit 'Answer CP-IS searches beyond N in any one-second window with the API platform''s 429 (spike arrest, Retry-After: 1)'
            cand --alert-fault 'Missed-appointment alerts: meet the first attempt of each alert with this fault (a retry with the same identifier is answered normally)'
            cand --token-uses 'With --require-auth: accept each access token for N CP-IS searches, then refuse it with 401 as an expired token (to see clients renew mid-run)'
            cand --register-app 'Register another application with the sandbox''s /oauth2/token, by its API key (repeatable; each needs --jwks after it)'
            cand --jwks 'The public keys (JWKS JSON, {"keys": [...]}) the preceding --register-app signs client assertions with'
            cand --nominated-person 'The person the preceding --register-app acts for, as accesses name it [default: Nominated PERSON]'
            cand --nominated-role 'The job role of the preceding --register-app''s nominated person [default: Nominated person for CP-IS queries]'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --allow-remote 'Allow listening on a non-loopback address: anyone who can reach it can use the sandbox (synthetic data only)'
            cand --tls 'Serve HTTPS with a fresh self-signed CA; its certificate is written for --ca-bundle'
            cand --require-auth 'Make the CP-IS searches demand `Authorization: Bearer TOKEN` with a token issued by a cpis sandbox''s /oauth2/token (401 otherwise)'
            cand --flags-ignore-code 'Patient Flags: ignore the search''s `code` and answer every flag the patient has (999 000 0026 also has reasonable-adjustment and FGM flags), as a service that ignores `code` would'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;sandbox;patients'= {
            cand --format 'Output format'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --json 'Shorthand for --format json'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;sandbox;help'= {
            cand serve 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
            cand patients 'List the sandbox''s synthetic patients and what each one shows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;sandbox;help;serve'= {
        }
        &'cpis;sandbox;help;patients'= {
        }
        &'cpis;sandbox;help;help'= {
        }
        &'cpis;config'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Show the settings in effect and where each comes from'
            cand get 'Print one value from the profile'
            cand set 'Set a value in the profile'
            cand unset 'Remove a value from the profile'
            cand path 'Print the path of the configuration file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;config;show'= {
            cand --format 'Output format'
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand --json 'Shorthand for --format json'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;config;get'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;config;set'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;config;unset'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;config;path'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;config;help'= {
            cand show 'Show the settings in effect and where each comes from'
            cand get 'Print one value from the profile'
            cand set 'Set a value in the profile'
            cand unset 'Remove a value from the profile'
            cand path 'Print the path of the configuration file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;config;help;show'= {
        }
        &'cpis;config;help;get'= {
        }
        &'cpis;config;help;set'= {
        }
        &'cpis;config;help;unset'= {
        }
        &'cpis;config;help;path'= {
        }
        &'cpis;config;help;help'= {
        }
        &'cpis;completions'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;man'= {
            cand --env 'Environment to talk to [default: local while nothing is configured]'
            cand --base-url 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)'
            cand --pds-base-url 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]'
            cand --route 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]'
            cand --flags-base-url 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]'
            cand --mhs-url 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]'
            cand --profile 'Configuration profile to use [default: default]'
            cand --ca-bundle 'Extra CA certificates (PEM) to trust, added to the platform''s roots'
            cand --timeout 'Seconds to wait for each request before giving up [default: 30]'
            cand -q 'Print only data and errors: no notes, no retry messages'
            cand --quiet 'Print only data and errors: no notes, no retry messages'
            cand -v 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand --verbose 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'cpis;help'= {
            cand lookup 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access'
            cand batch 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row'
            cand auth 'Sign in, see who cpis acts as, or sign out'
            cand doctor 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials'
            cand alert 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts'
            cand sandbox 'Run the embedded CP-IS sandbox, or list its synthetic patients'
            cand config 'Show or change configuration (profiles in config.toml)'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page, or write every page into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cpis;help;lookup'= {
        }
        &'cpis;help;batch'= {
        }
        &'cpis;help;auth'= {
            cand login 'Sign in for this profile and environment'
            cand status 'Show who cpis acts as here, where the credential is kept and when it expires'
            cand logout 'Remove everything stored for this profile and environment'
            cand keygen 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
            cand token 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
            cand assertion 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
        }
        &'cpis;help;auth;login'= {
        }
        &'cpis;help;auth;status'= {
        }
        &'cpis;help;auth;logout'= {
        }
        &'cpis;help;auth;keygen'= {
        }
        &'cpis;help;auth;token'= {
        }
        &'cpis;help;auth;assertion'= {
        }
        &'cpis;help;doctor'= {
        }
        &'cpis;help;alert'= {
            cand missed-appointment 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
            cand list 'Every alert in the outbox with its state, reference and local authority'
            cand retry 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
        }
        &'cpis;help;alert;missed-appointment'= {
        }
        &'cpis;help;alert;list'= {
        }
        &'cpis;help;alert;retry'= {
        }
        &'cpis;help;sandbox'= {
            cand serve 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
            cand patients 'List the sandbox''s synthetic patients and what each one shows'
        }
        &'cpis;help;sandbox;serve'= {
        }
        &'cpis;help;sandbox;patients'= {
        }
        &'cpis;help;config'= {
            cand show 'Show the settings in effect and where each comes from'
            cand get 'Print one value from the profile'
            cand set 'Set a value in the profile'
            cand unset 'Remove a value from the profile'
            cand path 'Print the path of the configuration file'
        }
        &'cpis;help;config;show'= {
        }
        &'cpis;help;config;get'= {
        }
        &'cpis;help;config;set'= {
        }
        &'cpis;help;config;unset'= {
        }
        &'cpis;help;config;path'= {
        }
        &'cpis;help;completions'= {
        }
        &'cpis;help;man'= {
        }
        &'cpis;help;help'= {
        }
    ]
    $completions[$command]
}
