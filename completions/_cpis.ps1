
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cpis' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cpis'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cpis' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in, see who cpis acts as, or sign out')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials')
            [CompletionResult]::new('alert', 'alert', [CompletionResultType]::ParameterValue, 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the embedded CP-IS sandbox, or list its synthetic patients')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or change configuration (profiles in config.toml)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page, or write every page into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;lookup' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--dob', '--dob', [CompletionResultType]::ParameterName, 'The child''s date of birth: checked against PDS before CP-IS is asked (a mismatch exits 2 and sends nothing to CP-IS); stands in for the confirmation of an unscheduled lookup')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--scheduled', '--scheduled', [CompletionResultType]::ParameterName, 'Scheduled care: silent read, nothing recorded, no notification')
            [CompletionResult]::new('--unscheduled', '--unscheduled', [CompletionResultType]::ParameterName, 'Unscheduled care: the access is recorded and the local authority is notified')
            [CompletionResult]::new('--no-validate', '--no-validate', [CompletionResultType]::ParameterName, 'Skip the Modulus 11 check (only for test data that fails it, like the official example 9912003890)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Print the service''s FHIR bundles unchanged instead of rendering them')
            [CompletionResult]::new('--curl', '--curl', [CompletionResultType]::ParameterName, 'Print the equivalent curl commands (headers included, the token as $CPIS_ACCESS_TOKEN) and send nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)')
            [CompletionResult]::new('--no-pds', '--no-pds', [CompletionResultType]::ParameterName, 'Do not verify the patient on PDS first (every output then says "not verified on PDS")')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;batch' {
            [CompletionResult]::new('--column', '--column', [CompletionResultType]::ParameterName, 'Read CSV with a header row and take the NHS number from this column')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the records to this file (created mode 0600; appended to when resuming) instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the records to this file (created mode 0600; appended to when resuming) instead of standard output')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Record format')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Requests per second, every attempt counted (retries included)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'CP-IS requests in flight at once (and so at most N rows in doubt if the process dies); with PDS on, up to N more rows are being verified on PDS meanwhile')
            [CompletionResult]::new('--pds-rate', '--pds-rate', [CompletionResultType]::ParameterName, 'PDS requests per second (PDS has its own limit) [default: the same as --rate]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The run''s durable state (SQLite, mode 0600), which a rerun resumes [default: the output file + .state; on standard output, none: every run starts afresh]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--scheduled', '--scheduled', [CompletionResultType]::ParameterName, 'Scheduled care: silent read, nothing recorded, no notification')
            [CompletionResult]::new('--unscheduled', '--unscheduled', [CompletionResultType]::ParameterName, 'Unscheduled care: each access is recorded and the local authority is notified')
            [CompletionResult]::new('--no-pds', '--no-pds', [CompletionResultType]::ParameterName, 'Do not verify each number on PDS first (every record then says "not verified")')
            [CompletionResult]::new('--fresh', '--fresh', [CompletionResultType]::ParameterName, 'Start a new run: discard the state of an earlier one (its output must have been moved away first); rows it sent are sent again')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask "notify up to N local authorities?" before an unscheduled batch (for scripts: the list has been checked); without it, an unscheduled batch needs a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask "notify up to N local authorities?" before an unscheduled batch (for scripts: the list has been checked); without it, an unscheduled batch needs a terminal')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'On a resumed run, query again the rows that ended as `error` (never an unscheduled row CP-IS may have seen: that is `in-doubt`)')
            [CompletionResult]::new('--retry-in-doubt', '--retry-in-doubt', [CompletionResultType]::ParameterName, 'On a resumed unscheduled run, query again the rows in doubt (sent, answer never recorded) instead of reporting them as `in-doubt`; the local authority may be notified twice')
            [CompletionResult]::new('--keep-order', '--keep-order', [CompletionResultType]::ParameterName, 'Write the records in input order (each waits for the rows before it) instead of as results arrive')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is shown only when standard error is a terminal other than TERM=dumb; NO_COLOR does not hide it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in for this profile and environment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who cpis acts as here, where the credential is kept and when it expires')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove everything stored for this profile and environment')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output')
            [CompletionResult]::new('assertion', 'assertion', [CompletionResultType]::ParameterValue, 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;auth;login' {
            [CompletionResult]::new('--cis2-issuer', '--cis2-issuer', [CompletionResultType]::ParameterName, 'CIS2''s issuer [default: the environment''s CIS2 (INT or live)]')
            [CompletionResult]::new('--cis2-client-id', '--cis2-client-id', [CompletionResultType]::ParameterName, 'This application''s CIS2 client id')
            [CompletionResult]::new('--redirect-port', '--redirect-port', [CompletionResultType]::ParameterName, 'The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback [default: any free port]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The application''s API key on the NHS API platform')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'The key id registered with the platform for the signing key')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is copied into the credential store')
            [CompletionResult]::new('--nominated-person', '--nominated-person', [CompletionResultType]::ParameterName, 'The person responsible for CP-IS queries made by this system (shown on every output)')
            [CompletionResult]::new('--nominated-role', '--nominated-role', [CompletionResultType]::ParameterName, 'The nominated person''s job role')
            [CompletionResult]::new('--nominated-role-code', '--nominated-role-code', [CompletionResultType]::ParameterName, 'The nominated person''s job role code (e.g. R8000), which the HL7 V3 route (--route v3) sends beside the role''s name [default: the profile''s nominated_role_code]')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'The platform''s token endpoint [default: {environment host}/oauth2/token]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read a ready-made access token from standard input (prompted for on a terminal)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'Sign in as a registered system (signed-JWT client credentials), acting for a nominated person; with --env local, the embedded sandbox''s built-in application')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local, the embedded sandbox''s mock CIS2 and a synthetic user')
            [CompletionResult]::new('--combined', '--combined', [CompletionResultType]::ParameterName, 'Sign in as an NHS smartcard user through the API platform''s own sign-in page (CIS2 "combined authentication"), where the application has no CIS2 registration of its own')
            [CompletionResult]::new('--cis2-client-secret-stdin', '--cis2-client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the CIS2 client secret from the first line of standard input (else CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect')
            [CompletionResult]::new('--mock-auth', '--mock-auth', [CompletionResultType]::ParameterName, 'Use the platform''s mock authorisation ({host}/oauth2-mock/token), for testing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;logout' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;keygen' {
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'The key id to register the public key under (also names the files)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The directory to write KID.pem (private, 0600) and KID.jwks.json into')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;token' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Print it even though standard output is a terminal, where it can be seen, scrolled back to and recorded')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;assertion' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Print it even though standard output is a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;auth;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in for this profile and environment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who cpis acts as here, where the credential is kept and when it expires')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove everything stored for this profile and environment')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output')
            [CompletionResult]::new('assertion', 'assertion', [CompletionResultType]::ParameterValue, 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;auth;help;login' {
            break
        }
        'cpis;auth;help;status' {
            break
        }
        'cpis;auth;help;logout' {
            break
        }
        'cpis;auth;help;keygen' {
            break
        }
        'cpis;auth;help;token' {
            break
        }
        'cpis;auth;help;assertion' {
            break
        }
        'cpis;auth;help;help' {
            break
        }
        'cpis;doctor' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Also make one scheduled (silent: nothing recorded, no one notified) lookup of this NHS number end to end, with the time of each phase')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document, safe to attach to a support ticket (no token, secret or NHS number); shorthand for --format json')
            [CompletionResult]::new('--curl', '--curl', [CompletionResultType]::ParameterName, 'Print the requests doctor would make as curl commands (secrets as shell variables) and send nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;alert' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('missed-appointment', 'missed-appointment', [CompletionResultType]::ParameterValue, 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every alert in the outbox with its state, reference and local authority')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;alert;missed-appointment' {
            [CompletionResult]::new('--appointment', '--appointment', [CompletionResultType]::ParameterName, 'When the missed appointment was: YYYY-MM-DDThh:mm[:ss], this machine''s local time unless an offset (Z, +01:00) is given; not in the future')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The service the appointment was with (at most 200 characters)')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Where the appointment was (at most 200 characters)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'What the local authority should know (at most 1000 characters; line breaks allowed)')
            [CompletionResult]::new('--note-file', '--note-file', [CompletionResultType]::ParameterName, 'Read the note from FILE instead of --note, or from standard input with `-`, so it never appears in the process list (same rules as --note; with `-`, --yes or --dry-run is needed)')
            [CompletionResult]::new('--alert-base-url', '--alert-base-url', [CompletionResultType]::ParameterName, 'Base URL the alert is POSTed under ({base}/Communication) [default: the profile''s alert_base_url, else the CP-IS base URL]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Send without asking (for scripts): check the preview first, e.g. with --dry-run')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Make the same checks, print the FHIR body on stdout, and send and keep nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('--no-pds', '--no-pds', [CompletionResultType]::ParameterName, 'Do not verify the patient on PDS first (the preview then says "not verified on PDS")')
            [CompletionResult]::new('--again', '--again', [CompletionResultType]::ParameterName, 'Make a second alert (a new identifier) although the outbox already holds one, sent or pending, for this NHS number and appointment time [default: refuse, exit 2, showing it]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;alert;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;alert;retry' {
            [CompletionResult]::new('--alert-base-url', '--alert-base-url', [CompletionResultType]::ParameterName, 'Base URL the alerts were made for, when not the profile''s alert_base_url or the CP-IS base URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of each result')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Resend without asking (for scripts)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;alert;help' {
            [CompletionResult]::new('missed-appointment', 'missed-appointment', [CompletionResultType]::ParameterValue, 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every alert in the outbox with its state, reference and local authority')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;alert;help;missed-appointment' {
            break
        }
        'cpis;alert;help;list' {
            break
        }
        'cpis;alert;help;retry' {
            break
        }
        'cpis;alert;help;help' {
            break
        }
        'cpis;sandbox' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted')
            [CompletionResult]::new('patients', 'patients', [CompletionResultType]::ParameterValue, 'List the sandbox''s synthetic patients and what each one shows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;sandbox;serve' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on (port 0 picks a free port); loopback only unless --allow-remote')
            [CompletionResult]::new('--tls-fault', '--tls-fault', [CompletionResultType]::ParameterName, 'Serve a deliberately wrong certificate with --tls, to see what clients say')
            [CompletionResult]::new('--tls-dir', '--tls-dir', [CompletionResultType]::ParameterName, 'Directory for the CA certificate with --tls, private to you [default: a fresh private temporary directory, removed on exit]')
            [CompletionResult]::new('--delay-ms', '--delay-ms', [CompletionResultType]::ParameterName, 'Extra latency added to every response, in milliseconds (for benchmarks)')
            [CompletionResult]::new('--clock-offset-secs', '--clock-offset-secs', [CompletionResultType]::ParameterName, 'Seconds to add to the Date of every response (negative: behind), to show clock skew')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Answer CP-IS searches beyond N in any one-second window with the API platform''s 429 (spike arrest, Retry-After: 1)')
            [CompletionResult]::new('--alert-fault', '--alert-fault', [CompletionResultType]::ParameterName, 'Missed-appointment alerts: meet the first attempt of each alert with this fault (a retry with the same identifier is answered normally)')
            [CompletionResult]::new('--token-uses', '--token-uses', [CompletionResultType]::ParameterName, 'With --require-auth: accept each access token for N CP-IS searches, then refuse it with 401 as an expired token (to see clients renew mid-run)')
            [CompletionResult]::new('--register-app', '--register-app', [CompletionResultType]::ParameterName, 'Register another application with the sandbox''s /oauth2/token, by its API key (repeatable; each needs --jwks after it)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'The public keys (JWKS JSON, {"keys": [...]}) the preceding --register-app signs client assertions with')
            [CompletionResult]::new('--nominated-person', '--nominated-person', [CompletionResultType]::ParameterName, 'The person the preceding --register-app acts for, as accesses name it [default: Nominated PERSON]')
            [CompletionResult]::new('--nominated-role', '--nominated-role', [CompletionResultType]::ParameterName, 'The job role of the preceding --register-app''s nominated person [default: Nominated person for CP-IS queries]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--allow-remote', '--allow-remote', [CompletionResultType]::ParameterName, 'Allow listening on a non-loopback address: anyone who can reach it can use the sandbox (synthetic data only)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Serve HTTPS with a fresh self-signed CA; its certificate is written for --ca-bundle')
            [CompletionResult]::new('--require-auth', '--require-auth', [CompletionResultType]::ParameterName, 'Make the CP-IS searches demand `Authorization: Bearer TOKEN` with a token issued by a cpis sandbox''s /oauth2/token (401 otherwise)')
            [CompletionResult]::new('--flags-ignore-code', '--flags-ignore-code', [CompletionResultType]::ParameterName, 'Patient Flags: ignore the search''s `code` and answer every flag the patient has (999 000 0026 also has reasonable-adjustment and FGM flags), as a service that ignores `code` would')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;sandbox;patients' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;sandbox;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted')
            [CompletionResult]::new('patients', 'patients', [CompletionResultType]::ParameterValue, 'List the sandbox''s synthetic patients and what each one shows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;sandbox;help;serve' {
            break
        }
        'cpis;sandbox;help;patients' {
            break
        }
        'cpis;sandbox;help;help' {
            break
        }
        'cpis;config' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings in effect and where each comes from')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one value from the profile')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a value in the profile')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a value from the profile')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;config;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;config;get' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;config;set' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;config;unset' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;config;path' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings in effect and where each comes from')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one value from the profile')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a value in the profile')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a value from the profile')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;config;help;show' {
            break
        }
        'cpis;config;help;get' {
            break
        }
        'cpis;config;help;set' {
            break
        }
        'cpis;config;help;unset' {
            break
        }
        'cpis;config;help;path' {
            break
        }
        'cpis;config;help;help' {
            break
        }
        'cpis;completions' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;man' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment to talk to [default: local while nothing is configured]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'CP-IS FHIR base URL, overriding the environment''s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)')
            [CompletionResult]::new('--pds-base-url', '--pds-base-url', [CompletionResultType]::ParameterName, 'PDS FHIR base URL, for verifying patients [default: the CP-IS base''s origin + /personal-demographics/FHIR/R4]')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]')
            [CompletionResult]::new('--flags-base-url', '--flags-base-url', [CompletionResultType]::ParameterName, 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base''s origin + /patient-flags-api/FHIR/R4]')
            [CompletionResult]::new('--mhs-url', '--mhs-url', [CompletionResultType]::ParameterName, 'The MHS adaptor''s outbound endpoint, for --route v3 [default: the profile''s mhs_url]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Configuration profile to use [default: default]')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'Extra CA certificates (PEM) to trust, added to the platform''s roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each request before giving up [default: 30]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes, no retry messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'cpis;help' {
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row')
            [CompletionResult]::new('auth', 'auth', [CompletionResultType]::ParameterValue, 'Sign in, see who cpis acts as, or sign out')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials')
            [CompletionResult]::new('alert', 'alert', [CompletionResultType]::ParameterValue, 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the embedded CP-IS sandbox, or list its synthetic patients')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or change configuration (profiles in config.toml)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page, or write every page into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cpis;help;lookup' {
            break
        }
        'cpis;help;batch' {
            break
        }
        'cpis;help;auth' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in for this profile and environment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show who cpis acts as here, where the credential is kept and when it expires')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove everything stored for this profile and environment')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output')
            [CompletionResult]::new('assertion', 'assertion', [CompletionResultType]::ParameterValue, 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)')
            break
        }
        'cpis;help;auth;login' {
            break
        }
        'cpis;help;auth;status' {
            break
        }
        'cpis;help;auth;logout' {
            break
        }
        'cpis;help;auth;keygen' {
            break
        }
        'cpis;help;auth;token' {
            break
        }
        'cpis;help;auth;assertion' {
            break
        }
        'cpis;help;doctor' {
            break
        }
        'cpis;help;alert' {
            [CompletionResult]::new('missed-appointment', 'missed-appointment', [CompletionResultType]::ParameterValue, 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Every alert in the outbox with its state, reference and local authority')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once')
            break
        }
        'cpis;help;alert;missed-appointment' {
            break
        }
        'cpis;help;alert;list' {
            break
        }
        'cpis;help;alert;retry' {
            break
        }
        'cpis;help;sandbox' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted')
            [CompletionResult]::new('patients', 'patients', [CompletionResultType]::ParameterValue, 'List the sandbox''s synthetic patients and what each one shows')
            break
        }
        'cpis;help;sandbox;serve' {
            break
        }
        'cpis;help;sandbox;patients' {
            break
        }
        'cpis;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the settings in effect and where each comes from')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one value from the profile')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a value in the profile')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove a value from the profile')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the configuration file')
            break
        }
        'cpis;help;config;show' {
            break
        }
        'cpis;help;config;get' {
            break
        }
        'cpis;help;config;set' {
            break
        }
        'cpis;help;config;unset' {
            break
        }
        'cpis;help;config;path' {
            break
        }
        'cpis;help;completions' {
            break
        }
        'cpis;help;man' {
            break
        }
        'cpis;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
