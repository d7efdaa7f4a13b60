# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cpis_global_optspecs
    string join \n env= base-url= pds-base-url= route= flags-base-url= mhs-url= profile= ca-bundle= timeout= q/quiet v/verbose h/help V/version
end

function __fish_cpis_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cpis_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cpis_using_subcommand
    set -l cmd (__fish_cpis_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cpis -n "__fish_cpis_needs_command" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_needs_command" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_needs_command" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_needs_command" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_needs_command" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_needs_command" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_needs_command" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_needs_command" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_needs_command" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_needs_command" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_needs_command" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_needs_command" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "lookup" -d 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "batch" -d 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "auth" -d 'Sign in, see who cpis acts as, or sign out'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "doctor" -d 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "alert" -d 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "sandbox" -d 'Run the embedded CP-IS sandbox, or list its synthetic patients'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "config" -d 'Show or change configuration (profiles in config.toml)'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "man" -d 'Print the man page, or write every page into a directory'
complete -c cpis -n "__fish_cpis_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l format -d 'Output format' -r -f -a "table\t'Tables for people'
json\t'One JSON document'
csv\t'Comma-separated values with a header row'"
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l dob -d 'The child\'s date of birth: checked against PDS before CP-IS is asked (a mismatch exits 2 and sends nothing to CP-IS); stands in for the confirmation of an unscheduled lookup' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l scheduled -d 'Scheduled care: silent read, nothing recorded, no notification'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l unscheduled -d 'Unscheduled care: the access is recorded and the local authority is notified'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l no-validate -d 'Skip the Modulus 11 check (only for test data that fails it, like the official example 9912003890)'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l raw -d 'Print the service\'s FHIR bundles unchanged instead of rendering them'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l curl -d 'Print the equivalent curl commands (headers included, the token as $CPIS_ACCESS_TOKEN) and send nothing'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -s y -l yes -d 'Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -l no-pds -d 'Do not verify the patient on PDS first (every output then says "not verified on PDS")'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand lookup" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l column -d 'Read CSV with a header row and take the NHS number from this column' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s o -l output -d 'Write the records to this file (created mode 0600; appended to when resuming) instead of standard output' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l format -d 'Record format' -r -f -a "jsonl\t'One JSON object per line, then a summary line'
csv\t'Comma-separated values with a header row, one row per input row'"
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l rate -d 'Requests per second, every attempt counted (retries included)' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l concurrency -d 'CP-IS requests in flight at once (and so at most N rows in doubt if the process dies); with PDS on, up to N more rows are being verified on PDS meanwhile' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l pds-rate -d 'PDS requests per second (PDS has its own limit) [default: the same as --rate]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l state -d 'The run\'s durable state (SQLite, mode 0600), which a rerun resumes [default: the output file + .state; on standard output, none: every run starts afresh]' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l scheduled -d 'Scheduled care: silent read, nothing recorded, no notification'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l unscheduled -d 'Unscheduled care: each access is recorded and the local authority is notified'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l no-pds -d 'Do not verify each number on PDS first (every record then says "not verified")'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l fresh -d 'Start a new run: discard the state of an earlier one (its output must have been moved away first); rows it sent are sent again'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s y -l yes -d 'Do not ask "notify up to N local authorities?" before an unscheduled batch (for scripts: the list has been checked); without it, an unscheduled batch needs a terminal'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l retry-failed -d 'On a resumed run, query again the rows that ended as `error` (never an unscheduled row CP-IS may have seen: that is `in-doubt`)'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l retry-in-doubt -d 'On a resumed unscheduled run, query again the rows in doubt (sent, answer never recorded) instead of reporting them as `in-doubt`; the local authority may be notified twice'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l keep-order -d 'Write the records in input order (each waits for the rows before it) instead of as results arrive'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -l no-progress -d 'Hide the progress bar (it is shown only when standard error is a terminal other than TERM=dumb; NO_COLOR does not hide it)'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand batch" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "login" -d 'Sign in for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "status" -d 'Show who cpis acts as here, where the credential is kept and when it expires'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "logout" -d 'Remove everything stored for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "keygen" -d 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "token" -d 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "assertion" -d 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and not __fish_seen_subcommand_from login status logout keygen token assertion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l cis2-issuer -d 'CIS2\'s issuer [default: the environment\'s CIS2 (INT or live)]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l cis2-client-id -d 'This application\'s CIS2 client id' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l redirect-port -d 'The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback [default: any free port]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l api-key -d 'The application\'s API key on the NHS API platform' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l kid -d 'The key id registered with the platform for the signing key' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l private-key -d 'The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is copied into the credential store' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l nominated-person -d 'The person responsible for CP-IS queries made by this system (shown on every output)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l nominated-role -d 'The nominated person\'s job role' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l nominated-role-code -d 'The nominated person\'s job role code (e.g. R8000), which the HL7 V3 route (--route v3) sends beside the role\'s name [default: the profile\'s nominated_role_code]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l token-url -d 'The platform\'s token endpoint [default: {environment host}/oauth2/token]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l with-token -d 'Read a ready-made access token from standard input (prompted for on a terminal)'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l system -d 'Sign in as a registered system (signed-JWT client credentials), acting for a nominated person; with --env local, the embedded sandbox\'s built-in application'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l user -d 'Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local, the embedded sandbox\'s mock CIS2 and a synthetic user'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l combined -d 'Sign in as an NHS smartcard user through the API platform\'s own sign-in page (CIS2 "combined authentication"), where the application has no CIS2 registration of its own'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l cis2-client-secret-stdin -d 'Read the CIS2 client secret from the first line of standard input (else CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l no-browser -d 'Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -l mock-auth -d 'Use the platform\'s mock authorisation ({host}/oauth2-mock/token), for testing'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from login" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l kid -d 'The key id to register the public key under (also names the files)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l out -d 'The directory to write KID.pem (private, 0600) and KID.jwks.json into' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from keygen" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -l yes -d 'Print it even though standard output is a terminal, where it can be seen, scrolled back to and recorded'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -l yes -d 'Print it even though standard output is a terminal'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from assertion" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "login" -d 'Sign in for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show who cpis acts as here, where the credential is kept and when it expires'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Remove everything stored for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "token" -d 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "assertion" -d 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
complete -c cpis -n "__fish_cpis_using_subcommand auth; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l query -d 'Also make one scheduled (silent: nothing recorded, no one notified) lookup of this NHS number end to end, with the time of each phase' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l json -d 'Print one JSON document, safe to attach to a support ticket (no token, secret or NHS number); shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -l curl -d 'Print the requests doctor would make as curl commands (secrets as shell variables) and send nothing'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -f -a "missed-appointment" -d 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -f -a "list" -d 'Every alert in the outbox with its state, reference and local authority'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -f -a "retry" -d 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and not __fish_seen_subcommand_from missed-appointment list retry help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l appointment -d 'When the missed appointment was: YYYY-MM-DDThh:mm[:ss], this machine\'s local time unless an offset (Z, +01:00) is given; not in the future' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l service -d 'The service the appointment was with (at most 200 characters)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l location -d 'Where the appointment was (at most 200 characters)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l note -d 'What the local authority should know (at most 1000 characters; line breaks allowed)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l note-file -d 'Read the note from FILE instead of --note, or from standard input with `-`, so it never appears in the process list (same rules as --note; with `-`, --yes or --dry-run is needed)' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l alert-base-url -d 'Base URL the alert is POSTed under ({base}/Communication) [default: the profile\'s alert_base_url, else the CP-IS base URL]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l format -d 'Output format of the result' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l yes -d 'Send without asking (for scripts): check the preview first, e.g. with --dry-run'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l dry-run -d 'Make the same checks, print the FHIR body on stdout, and send and keep nothing'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l no-pds -d 'Do not verify the patient on PDS first (the preview then says "not verified on PDS")'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -l again -d 'Make a second alert (a new identifier) although the outbox already holds one, sent or pending, for this NHS number and appointment time [default: refuse, exit 2, showing it]'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from missed-appointment" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l alert-base-url -d 'Base URL the alerts were made for, when not the profile\'s alert_base_url or the CP-IS base URL' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l format -d 'Output format of each result' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l yes -d 'Resend without asking (for scripts)'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "missed-appointment" -d 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every alert in the outbox with its state, reference and local authority'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
complete -c cpis -n "__fish_cpis_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -f -a "serve" -d 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -f -a "patients" -d 'List the sandbox\'s synthetic patients and what each one shows'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and not __fish_seen_subcommand_from serve patients help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l addr -d 'Address to listen on (port 0 picks a free port); loopback only unless --allow-remote' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l tls-fault -d 'Serve a deliberately wrong certificate with --tls, to see what clients say' -r -f -a "expired\t'Expired yesterday'
wrong-name\t'Issued for another name (`wrong-name.invalid`), not for this address'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l tls-dir -d 'Directory for the CA certificate with --tls, private to you [default: a fresh private temporary directory, removed on exit]' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l delay-ms -d 'Extra latency added to every response, in milliseconds (for benchmarks)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l clock-offset-secs -d 'Seconds to add to the Date of every response (negative: behind), to show clock skew' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l rate-limit -d 'Answer CP-IS searches beyond N in any one-second window with the API platform\'s 429 (spike arrest, Retry-After: 1)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l alert-fault -d 'Missed-appointment alerts: meet the first attempt of each alert with this fault (a retry with the same identifier is answered normally)' -r -f -a "drop-after-store\t'Store the alert, then close the connection without answering'
slow-after-store\t'Store the alert, then answer only after [`SLOW_ALERT`]'
unavailable-before-store\t'Answer 503 (with `Retry-After`) without storing anything'
redirect-303\t'Answer 303 See Other, without storing anything, pointing at the search for the patient\'s alerts (which a GET answers 200): a client that follows it learns nothing about its POST'
redirect-307\t'Answer 307 Temporary Redirect, without storing anything, to the same endpoint under another loopback origin (`localhost` for `127.0.0.1`, and the other way round): a client that follows it re-posts the alert elsewhere'
ok-without-location\t'Store the alert, then answer 201 with no `Location` and an informational OperationOutcome instead of the Communication: nothing shows the alert is held'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l token-uses -d 'With --require-auth: accept each access token for N CP-IS searches, then refuse it with 401 as an expired token (to see clients renew mid-run)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l register-app -d 'Register another application with the sandbox\'s /oauth2/token, by its API key (repeatable; each needs --jwks after it)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l jwks -d 'The public keys (JWKS JSON, {"keys": [...]}) the preceding --register-app signs client assertions with' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l nominated-person -d 'The person the preceding --register-app acts for, as accesses name it [default: Nominated PERSON]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l nominated-role -d 'The job role of the preceding --register-app\'s nominated person [default: Nominated person for CP-IS queries]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l allow-remote -d 'Allow listening on a non-loopback address: anyone who can reach it can use the sandbox (synthetic data only)'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l tls -d 'Serve HTTPS with a fresh self-signed CA; its certificate is written for --ca-bundle'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l require-auth -d 'Make the CP-IS searches demand `Authorization: Bearer TOKEN` with a token issued by a cpis sandbox\'s /oauth2/token (401 otherwise)'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l flags-ignore-code -d 'Patient Flags: ignore the search\'s `code` and answer every flag the patient has (999 000 0026 also has reasonable-adjustment and FGM flags), as a service that ignores `code` would'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l format -d 'Output format' -r -f -a "table\t'Tables for people'
json\t'One JSON document'
csv\t'Comma-separated values with a header row'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from patients" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "patients" -d 'List the sandbox\'s synthetic patients and what each one shows'
complete -c cpis -n "__fish_cpis_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "show" -d 'Show the settings in effect and where each comes from'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "get" -d 'Print one value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "set" -d 'Set a value in the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "unset" -d 'Remove a value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "path" -d 'Print the path of the configuration file'
complete -c cpis -n "__fish_cpis_using_subcommand config; and not __fish_seen_subcommand_from show get set unset path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'JSON for scripts'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Shorthand for --format json'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the settings in effect and where each comes from'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print one value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a value in the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove a value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the configuration file'
complete -c cpis -n "__fish_cpis_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand completions" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand completions" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand completions" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand completions" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand man" -l env -d 'Environment to talk to [default: local while nothing is configured]' -r -f -a "local\t'The embedded sandbox, started in-process on a loopback port (synthetic data)'
sandbox\t'The NHS API platform\'s public sandbox'
int\t'The NHS integration (test) environment'
prod\t'Production: real patients'"
complete -c cpis -n "__fish_cpis_using_subcommand man" -l base-url -d 'CP-IS FHIR base URL, overriding the environment\'s (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -l pds-base-url -d 'PDS FHIR base URL, for verifying patients [default: the CP-IS base\'s origin + /personal-demographics/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -l route -d 'The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]' -r -f -a "fhir\t'the CP-IS FHIR API: plans and access history'
flags\t'the Patient Flags API: scheduled care only; plans, no access history'
v3\t'the HL7 V3 query over Spine through the MHS adaptor: unscheduled care only; plans and access history'"
complete -c cpis -n "__fish_cpis_using_subcommand man" -l flags-base-url -d 'Patient Flags FHIR base URL, for --route flags [default: the CP-IS base\'s origin + /patient-flags-api/FHIR/R4]' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -l mhs-url -d 'The MHS adaptor\'s outbound endpoint, for --route v3 [default: the profile\'s mhs_url]' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -l profile -d 'Configuration profile to use [default: default]' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -l ca-bundle -d 'Extra CA certificates (PEM) to trust, added to the platform\'s roots' -r -F
complete -c cpis -n "__fish_cpis_using_subcommand man" -l timeout -d 'Seconds to wait for each request before giving up [default: 30]' -r
complete -c cpis -n "__fish_cpis_using_subcommand man" -s q -l quiet -d 'Print only data and errors: no notes, no retry messages'
complete -c cpis -n "__fish_cpis_using_subcommand man" -s v -l verbose -d 'Log each request on stderr: scheme, host, port and path (never the NHS number), status, time, trace id'
complete -c cpis -n "__fish_cpis_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cpis -n "__fish_cpis_using_subcommand man" -s V -l version -d 'Print version'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "lookup" -d 'Look up an NHS number on CP-IS: plans, local authority contacts, prior access'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "batch" -d 'Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "auth" -d 'Sign in, see who cpis acts as, or sign out'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "doctor" -d 'Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "alert" -d 'Alert the responsible local authority when a child on a plan misses an appointment; list and resend alerts'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "sandbox" -d 'Run the embedded CP-IS sandbox, or list its synthetic patients'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "config" -d 'Show or change configuration (profiles in config.toml)'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "man" -d 'Print the man page, or write every page into a directory'
complete -c cpis -n "__fish_cpis_using_subcommand help; and not __fish_seen_subcommand_from lookup batch auth doctor alert sandbox config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "login" -d 'Sign in for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "status" -d 'Show who cpis acts as here, where the credential is kept and when it expires'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "logout" -d 'Remove everything stored for this profile and environment'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "keygen" -d 'Make a 4096-bit RSA key pair for a system identity: the private key and the public JWKS to register with the NHS API platform'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "token" -d 'Print the access token in use (renewed first when it is about to expire) on standard output, for scripts and for running `--curl` output'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from auth" -f -a "assertion" -d 'Print a freshly signed client assertion (a JWT) for the stored system identity, for reproducing its token request (`cpis doctor --curl`)'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "missed-appointment" -d 'Alert the responsible local authority that a child (or, for an unborn-child plan, the mother) on a plan missed an appointment; sent exactly once'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "list" -d 'Every alert in the outbox with its state, reference and local authority'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "retry" -d 'Resend pending alerts (or one, by ID) with their original identifier, so the service keeps each once'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "serve" -d 'Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "patients" -d 'List the sandbox\'s synthetic patients and what each one shows'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Show the settings in effect and where each comes from'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "get" -d 'Print one value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Set a value in the profile'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "unset" -d 'Remove a value from the profile'
complete -c cpis -n "__fish_cpis_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the configuration file'
