//! The clap definition only: global flags and the subcommand enum.
//! Completions and man pages are generated from this (see `generate.rs`).

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{ConfigKey, Overrides};
use crate::cpis::EnvName;

const ROOT_EXAMPLES: &str = "\
Examples:
  # Try it with nothing configured: the embedded sandbox answers with synthetic patients
  cpis lookup 9990000018 --scheduled
  cpis sandbox patients

  # A scheduled-care check against the integration environment, as JSON
  CPIS_ACCESS_TOKEN=... cpis --env int lookup 943 476 5919 --scheduled --format json

  # Remember the environment and care setting for this workstation
  cpis config set env int
  cpis config set care_setting scheduled
";

fn root_after_long_help() -> String {
    format!(
        "{ROOT_EXAMPLES}\n{}\n{}",
        crate::env::help(),
        crate::error::exit_code_help()
    )
}

/// A command-line client for the NHS Child Protection - Information Sharing service (CP-IS).
#[derive(Debug, Parser)]
#[command(
    name = "cpis",
    version,
    about = "Look up NHS Child Protection - Information Sharing (CP-IS) plans by NHS number",
    long_about = "Look up NHS Child Protection - Information Sharing (CP-IS) plans by NHS number.\n\n\
        Shows child protection, looked-after and unborn-child plans with the responsible local \
        authority's phone numbers, and who has looked at the record before. With nothing \
        configured, every command talks to an embedded sandbox of synthetic patients.",
    after_long_help = root_after_long_help(),
    propagate_version = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options that every subcommand understands.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Environment to talk to [default: local while nothing is configured]
    #[arg(long, global = true, value_enum, value_name = "ENV")]
    pub env: Option<EnvName>,

    /// CP-IS FHIR base URL, overriding the environment's (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// PDS FHIR base URL, for verifying patients [default: the CP-IS base's origin + /personal-demographics/FHIR/R4]
    #[arg(long, global = true, value_name = "URL")]
    pub pds_base_url: Option<String>,

    /// The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]
    #[arg(long, global = true, value_enum, value_name = "ROUTE")]
    pub route: Option<crate::cpis::Route>,

    /// Patient Flags FHIR base URL, for --route flags [default: the CP-IS base's origin + /patient-flags-api/FHIR/R4]
    #[arg(long, global = true, value_name = "URL")]
    pub flags_base_url: Option<String>,

    /// The MHS adaptor's outbound endpoint, for --route v3 [default: the profile's mhs_url]
    #[arg(long, global = true, value_name = "URL")]
    pub mhs_url: Option<String>,

    /// Configuration profile to use [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Extra CA certificates (PEM) to trust, added to the platform's roots
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_bundle: Option<PathBuf>,

    /// Seconds to wait for each request before giving up [default: 30]
    #[arg(long, global = true, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// Print only data and errors: no notes, no retry messages
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log each request on stderr: scheme, host, port and path (never the NHS number), status,
    /// time, trace id
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look up an NHS number on CP-IS: plans, local authority contacts, prior access
    #[command(after_long_help = LOOKUP_HELP)]
    Lookup(LookupArgs),

    /// Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row
    #[command(after_long_help = BATCH_HELP)]
    Batch(BatchArgs),

    /// Sign in, see who cpis acts as, or sign out
    #[command(subcommand)]
    Auth(AuthCommand),

    /// Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS,
    /// HTTP, clock and credentials
    #[command(after_long_help = DOCTOR_HELP)]
    Doctor {
        /// Print one JSON document, safe to attach to a support ticket (no token, secret or
        /// NHS number); shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,

        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,

        /// Also make one scheduled (silent: nothing recorded, no one notified) lookup of this
        /// NHS number end to end, with the time of each phase
        #[arg(long, value_name = "NHS_NUMBER")]
        query: Option<String>,

        /// Print the requests doctor would make as curl commands (secrets as shell variables)
        /// and send nothing
        #[arg(long, conflicts_with_all = ["json", "format", "query"])]
        curl: bool,
    },

    /// Alert the responsible local authority when a child on a plan misses an appointment;
    /// list and resend alerts
    #[command(subcommand)]
    Alert(AlertCommand),

    /// Run the embedded CP-IS sandbox, or list its synthetic patients
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Show or change configuration (profiles in config.toml)
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page, or write every page into a directory
    #[command(after_long_help = MAN_HELP)]
    Man {
        /// Write cpis.1 and one page per subcommand (cpis-lookup.1, ...) into this existing
        /// directory, instead of printing cpis.1
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const COMPLETIONS_HELP: &str = "\
Examples:
  cpis completions bash > ~/.local/share/bash-completion/completions/cpis
  cpis completions zsh > ~/.zfunc/_cpis
  cpis completions fish > ~/.config/fish/completions/cpis.fish
  cpis completions powershell >> $PROFILE
";

const MAN_HELP: &str = "\
Pages written into DIR are new files readable only by you (mode 0600); an existing page is
replaced, never written through a symbolic link.

Examples:
  cpis man | man -l -
  cpis man ~/.local/share/man/man1
";

const LOOKUP_HELP: &str = "\
Care setting (required, from a flag or the profile's care_setting):
  --scheduled    scheduled care: a silent read; nothing is recorded and no one is notified
  --unscheduled  unscheduled care: the access is recorded in the child's access history and
                 the responsible local authority is notified

The patient is verified on PDS first (who the number belongs to: name, date of birth,
superseded, deceased, restricted). A scheduled lookup asks PDS and CP-IS at once; a superseded
number is checked under the current one. An unscheduled lookup asks PDS first, then CP-IS only
after \"Is this the patient?\" on a terminal, a matching --dob, or --yes (without a terminal
and without either, it is refused before anything is sent). An invalidated number, or one not
on PDS, shows no CP-IS result (exit 2). --no-pds skips the check.

Standard input: `cpis lookup -` reads the NHS number from standard input (one line, trimmed,
checked as an argument is), so it is not in the process list for others to see (`ps`). The
\"Is this the patient?\" question would read standard input too, so an unscheduled `lookup -`
needs --dob or --yes; without either it is refused (exit 2) before anything is read or sent.

Examples:
  cpis lookup 9990000018 --scheduled
  cpis lookup 999 000 0018 --scheduled              # the three groups as typed
  printf '9990000018\\n' | cpis lookup - --scheduled # the number on standard input
  cpis lookup \"999 000 0018\" --unscheduled --dob 2018-04-12 --format json
  cpis lookup 9990000182 --scheduled                # a superseded number (sandbox)
  cpis lookup 9990000050 --scheduled --format csv
  cpis lookup 9912003890 --no-validate --scheduled  # official example patient (fails Modulus 11)

Output:
  table (default)  the patient (from PDS), a verdict line, the plans and the prior accesses
  json             one document: nhs_number, environment, care_setting, has_plan, plans[],
                   access_history[], trace_ids, acting_as, patient{}
  csv              one row per plan: nhs_number,environment,care_setting,type,code,start,end,
                   active,local_authority,office_hours_phone,emergency_duty_phone,
                   patient_name,birth_date,pds_status
  --raw            the service's two FHIR bundles exactly as received (CareTeam, then AuditEvent)
";

#[derive(Debug, Clone, Args)]
pub struct LookupArgs {
    /// NHS number: one argument ("943 476 5919", 943-476-5919) or its three groups (943 476 5919), or - to read it from standard input (one line), so it never appears in the process list
    #[arg(value_name = "NHS_NUMBER", required = true, num_args = 1..=3)]
    pub nhs_number: Vec<String>,

    /// Scheduled care: silent read, nothing recorded, no notification
    #[arg(long, conflicts_with = "unscheduled")]
    pub scheduled: bool,

    /// Unscheduled care: the access is recorded and the local authority is notified
    #[arg(long)]
    pub unscheduled: bool,

    /// Skip the Modulus 11 check (only for test data that fails it, like the official example 9912003890)
    #[arg(long)]
    pub no_validate: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Shorthand for --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Print the service's FHIR bundles unchanged instead of rendering them
    #[arg(long, conflicts_with_all = ["format", "json"])]
    pub raw: bool,

    /// Print the equivalent curl commands (headers included, the token as $CPIS_ACCESS_TOKEN) and
    /// send nothing
    #[arg(long, conflicts_with_all = ["format", "json", "raw"])]
    pub curl: bool,

    /// The child's date of birth: checked against PDS before CP-IS is asked (a mismatch exits 2 and sends nothing to CP-IS); stands in for the confirmation of an unscheduled lookup
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub dob: Option<String>,

    /// Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Do not verify the patient on PDS first (every output then says "not verified on PDS")
    #[arg(long, conflicts_with = "dob")]
    pub no_pds: bool,
}

const BATCH_HELP: &str = "\
Care setting (required, from a flag or the profile's care_setting), exactly as for lookup.

Input: one NHS number per line, or CSV with a header row and --column NAME (quoting, BOM and
CRLF handled). Spaces and dashes in a number are tolerated; blank lines and lines starting
with # are skipped. Every row is validated (Modulus 11) before any request: an invalid row
becomes an `invalid` record and the run goes on; a repeated number is checked once and its
later rows become `duplicate` records naming the first row.

Requests: the CareTeam search first; the AuditEvent search (access history) only when a plan
is found. At most --rate requests per second, evenly spaced, retries included; a 429 pushes
the next request back by its Retry-After.

Output (JSON Lines): one {\"type\":\"result\"} record per data row, in the order results
arrive (--keep-order: input order), with line, nhs_number, status (plan, no-plan, invalid, duplicate, in-doubt, error),
plans and access_history as in `lookup --format json`, and for errors exit_class, exit_code,
http_status, code, message and trace_id; then one {\"type\":\"summary\"} record.
--format csv: line,nhs_number,status,plans,active_plans,local_authorities,accesses,
duplicate_of,exit_code,http_status,code,message,trace_id,patient_name,birth_date,pds_status

PDS: each row is verified on PDS first (its own rate: --pds-rate), never with a prompt. An
invalidated number, one not on PDS, or one whose CSV `dob` column does not match is an
`invalid` record and never sent to CP-IS; a superseded number is checked under its current
number. --no-pds skips it (every record then says not-verified).

Unscheduled: each check is recorded and the local authority of a child with a plan is
notified, so an unscheduled batch needs --yes, or a yes on a terminal to \"notify up to N local
authorities?\" (N: the rows it would send); without either it exits 2 before anything is sent.

One run at a time: a run holds an exclusive lock on its state and its output (FILE.lock beside
each, mode 0600, pid and start time inside); a second run on either exits 2 at once, naming
the running one's pid and start time, and sends nothing.

Resuming: with --output, each row's progress is kept in a state (--state, default the output +
.state); on standard output only with --state (otherwise every run starts afresh). Running the
same command again skips the rows already done (their records are in the output, which is
appended to; if the output was moved away, or is standard output, their records are written
again from the state). The state records the run: input content, --column, care setting,
environment, CP-IS and PDS base URLs, PDS on or off, --format and the output; a rerun that
differs in any of them exits 2 naming the difference, and a state or output that is not a
private file of yours (a symbolic link, another owner, a mode other than 0600, more than one
hard link) exits 2. --fresh discards the state and starts again (the output must have been
moved away). `error` rows are queried again only with --retry-failed. An unscheduled row that
CP-IS may have seen (any answer but the platform's 401 or 429, or a failure after sending) or
whose request was sent but never answered (the process died) is `in-doubt`: the local
authority may have been notified, so it is queried again only with --retry-in-doubt, never with
--retry-failed; in a scheduled run a row left unanswered is queried again.

Exit codes: 0 when every row of the state (this run's and earlier runs') is plan, no-plan or
duplicate, 3 when any is invalid, in doubt or an error. The summary's counts per status are
totals across runs (\"this_run\" has this run's); \"requests\" counts the CP-IS requests this
run wrote to the network, every attempt (retries and resends after a 401 included); PDS's are
\"pds_requests\".

Rate: --rate requests per second, evenly spaced, retries counted; a 429 waits out its
Retry-After, halves the rate, and it recovers gradually. A token refused mid-run (401) is
renewed once when that needs no user (a system identity, a refreshable CIS2 session).
A progress bar shows on stderr when it is a terminal (not with --no-progress, --quiet or
TERM=dumb; NO_COLOR keeps it).

Examples:
  cpis batch clinic-list.txt --scheduled --output results.jsonl
  cpis batch clinic-list.csv --column nhs_number --scheduled --format csv
  printf '9990000018\\n9990000077\\n' | cpis batch - --unscheduled --yes
";

#[derive(Debug, Clone, Args)]
pub struct BatchArgs {
    /// The list of NHS numbers: a file, or - for standard input
    #[arg(value_name = "FILE")]
    pub input: PathBuf,

    /// Read CSV with a header row and take the NHS number from this column
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,

    /// Scheduled care: silent read, nothing recorded, no notification
    #[arg(long, conflicts_with = "unscheduled")]
    pub scheduled: bool,

    /// Unscheduled care: each access is recorded and the local authority is notified
    #[arg(long)]
    pub unscheduled: bool,

    /// Write the records to this file (created mode 0600; appended to when resuming) instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Record format
    #[arg(long, value_enum, default_value_t = BatchFormat::Jsonl)]
    pub format: BatchFormat,

    /// Requests per second, every attempt counted (retries included)
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub rate: u32,

    /// CP-IS requests in flight at once (and so at most N rows in doubt if the process dies);
    /// with PDS on, up to N more rows are being verified on PDS meanwhile
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,

    /// PDS requests per second (PDS has its own limit) [default: the same as --rate]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pds_rate: Option<u32>,

    /// Do not verify each number on PDS first (every record then says "not verified")
    #[arg(long)]
    pub no_pds: bool,

    /// The run's durable state (SQLite, mode 0600), which a rerun resumes [default: the output
    /// file + .state; on standard output, none: every run starts afresh]
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Start a new run: discard the state of an earlier one (its output must have been moved
    /// away first); rows it sent are sent again
    #[arg(long)]
    pub fresh: bool,

    /// Do not ask "notify up to N local authorities?" before an unscheduled batch (for
    /// scripts: the list has been checked); without it, an unscheduled batch needs a terminal
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// On a resumed run, query again the rows that ended as `error` (never an unscheduled row
    /// CP-IS may have seen: that is `in-doubt`)
    #[arg(long)]
    pub retry_failed: bool,

    /// On a resumed unscheduled run, query again the rows in doubt (sent, answer never
    /// recorded) instead of reporting them as `in-doubt`; the local authority may be notified
    /// twice
    #[arg(long)]
    pub retry_in_doubt: bool,

    /// Write the records in input order (each waits for the rows before it) instead of as
    /// results arrive
    #[arg(long)]
    pub keep_order: bool,

    /// Hide the progress bar (it is shown only when standard error is a terminal other than
    /// TERM=dumb; NO_COLOR does not hide it)
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchFormat {
    /// One JSON object per line, then a summary line
    Jsonl,
    /// Comma-separated values with a header row, one row per input row
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people
    Table,
    /// One JSON document
    Json,
    /// Comma-separated values with a header row
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Alert the responsible local authority that a child (or, for an unborn-child plan, the
    /// mother) on a plan missed an appointment; sent exactly once
    #[command(after_long_help = ALERT_HELP)]
    MissedAppointment(MissedAppointmentArgs),

    /// Every alert in the outbox with its state, reference and local authority
    #[command(after_long_help = ALERT_LIST_HELP)]
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,

        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },

    /// Resend pending alerts (or one, by ID) with their original identifier, so the service
    /// keeps each once
    #[command(after_long_help = ALERT_RETRY_HELP)]
    Retry(RetryArgs),
}

#[derive(Debug, Args)]
pub struct MissedAppointmentArgs {
    /// NHS number of the child, or of the mother for an unborn-child plan ("943 476 5919" or its three groups), or - to read it from standard input (one line) so it never appears in the process list (then --yes or --dry-run is needed)
    #[arg(value_name = "NHS_NUMBER", required = true, num_args = 1..=3)]
    pub nhs_number: Vec<String>,

    /// When the missed appointment was: YYYY-MM-DDThh:mm[:ss], this machine's local time unless an offset (Z, +01:00) is given; not in the future
    #[arg(long, value_name = "TIME")]
    pub appointment: String,

    /// The service the appointment was with (at most 200 characters)
    #[arg(long, value_name = "TEXT")]
    pub service: String,

    /// Where the appointment was (at most 200 characters)
    #[arg(long, value_name = "TEXT")]
    pub location: String,

    /// What the local authority should know (at most 1000 characters; line breaks allowed)
    #[arg(
        long,
        value_name = "TEXT",
        required_unless_present = "note_file",
        conflicts_with = "note_file"
    )]
    pub note: Option<String>,

    /// Read the note from FILE instead of --note, or from standard input with `-`, so it never
    /// appears in the process list (same rules as --note; with `-`, --yes or --dry-run is needed)
    #[arg(long, value_name = "FILE")]
    pub note_file: Option<PathBuf>,

    /// Send without asking (for scripts): check the preview first, e.g. with --dry-run
    #[arg(long)]
    pub yes: bool,

    /// Make the same checks, print the FHIR body on stdout, and send and keep nothing
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,

    /// Base URL the alert is POSTed under ({base}/Communication) [default: the profile's alert_base_url, else the CP-IS base URL]
    #[arg(long, value_name = "URL")]
    pub alert_base_url: Option<String>,

    /// Output format of the result
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Shorthand for --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Do not verify the patient on PDS first (the preview then says "not verified on PDS")
    #[arg(long)]
    pub no_pds: bool,

    /// Make a second alert (a new identifier) although the outbox already holds one, sent or pending, for this NHS number and appointment time [default: refuse, exit 2, showing it]
    #[arg(long)]
    pub again: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The alert to resend (its ID from `cpis alert list`) [default: every pending alert]
    #[arg(value_name = "ID")]
    pub id: Option<String>,

    /// Resend without asking (for scripts)
    #[arg(long)]
    pub yes: bool,

    /// Base URL the alerts were made for, when not the profile's alert_base_url or the CP-IS base URL
    #[arg(long, value_name = "URL")]
    pub alert_base_url: Option<String>,

    /// Output format of each result
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Shorthand for --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people
    Table,
    /// JSON for scripts
    Json,
}

const ALERT_HELP: &str = "\
Before sending: the NHS number is checked, the patient is verified on PDS (at the same time as
the plan is looked up with a silent scheduled read, IsUnscheduledAccessEvent: false: nothing
recorded, no one notified), and without an active plan nothing is sent (exit 2: there is nobody
to alert). A number PDS says is invalidated, not on PDS or invalid is refused (exit 2, nothing
sent). A superseded (merged) number is replaced by the current one: the plan is read, and the
alert made, for the current number, and the preview names both. A preview on stderr shows the
patient as PDS has them, who will be alerted (the local authority from the plan, with its
office-hours and emergency-duty numbers) and what will be sent; then a confirmation (default
No). Without a terminal, pass --yes. --no-pds (or the profile's verify_on_pds = false) skips
PDS: the preview then says the patient is not verified on PDS.

The alert is a FHIR R4 Communication POSTed to {base}/Communication, kept in the outbox before
the first attempt and made once. If the outcome is unknown (timeout, dropped connection, 5xx)
it exits 8 and stays pending: resend it with `cpis alert retry`; the service recognises its
identifier and keeps it once. It is recorded as sent only when the answer shows the service
holds it: 201 with a Location naming a Communication, or this alert (its identifier) in the
body. A redirect is never followed (exit 8, naming the Location); any other 2xx exits 8 too.
Both keep it pending.

Standard input: NHS_NUMBER `-` reads the number from standard input (one line, trimmed,
checked as an argument is), and --note-file FILE reads the note from FILE (`-`: standard
input; the same rules as --note), so neither appears in the process list (`ps`). Standard
input can hold only one of them, and then \"Send this alert?\" cannot be asked on it: --yes
or --dry-run is needed, or it is refused (exit 2) before anything is read or sent.

Once per appointment: when the outbox already holds an alert, sent or pending, for the same NHS
number and appointment time (the same moment, whatever offset it is written in), the command
shows it (state, times, reference) and exits 2 before any request, PDS and CP-IS included
(for a number PDS says was superseded, the current number is checked too, once PDS has named
it, still before anything is sent). Resend a pending one with `cpis alert retry ID`; pass
--again only to make a second alert for the same appointment. A failed alert does not count.

The interface (no national one is published; README \"Alerts\", docs/alert-example.json):
  POST {base}/Communication  ({base}: --alert-base-url, else the profile's alert_base_url,
  else the CP-IS base URL), Content-Type: application/fhir+json, X-Request-ID and TraceID =
  the identifier's UUID on every attempt, the lookup's Authorization (and NHSD-Session-URID).
  identifier  urn:ietf:rfc:3986 | urn:uuid:UUID (made by cpis)
  status      completed
  category    urn:cpis-cli:fhir:CodeSystem:alert-category | missed-appointment
  subject     the patient: https://fhir.nhs.uk/Id/nhs-number | NHS number (the current one
              when PDS says the number given was superseded)
  about       #appointment: contained Appointment, status noshow, start = end = the time,
              serviceType text = --service, a participant with display = --location
  recipient   #local-authority: contained Organization, name and phones (work: office hours,
              mobile: emergency duty) as the plan gives them
  sender      #sender: contained PractitionerRole: the CIS2 user (name, role profile id,
              role, ODS code), or a system's nominated person
  sent        when it was made; payload[0].contentString = --note
  Answers: 201 + Location the first time, 200 + the stored alert for a known identifier,
  400 + OperationOutcome for a body of the wrong shape.

Examples:
  cpis alert missed-appointment 943 476 5919 --appointment 2026-11-24T10:30 \\
      --service \"Community paediatrics\" --location \"Whittington Health, Clinic 4\" \\
      --note \"Second missed appointment; mother not reachable by phone\"
  cpis alert missed-appointment 9990000026 --appointment 2026-11-24T10:30+00:00 \\
      --service Audiology --location \"Clinic 2\" --note \"Did not attend\" --dry-run
  cpis alert missed-appointment 9990000026 --appointment 2026-11-24T10:30 \\
      --service Audiology --location \"Clinic 2\" --note-file note.txt --yes < number.txt -
";

const ALERT_LIST_HELP: &str = "\
States: pending (kept; not known to have arrived: resend with `cpis alert retry`), sent (the
service holds it; the reference is its id) and failed (the service refused it).

Examples:
  cpis alert list
  cpis alert list --format json
";

const ALERT_RETRY_HELP: &str = "\
Each pending alert is resent with the identifier and body it was made with, after a
confirmation (default No; --yes for scripts). A service that already holds it answers with the
alert it holds, so nothing is duplicated. A retry does not verify the patient on PDS again or
read the plan again: it resends the stored body, made for the NHS number that was verified when
the alert was made (the current number, when the one given was superseded).

Examples:
  cpis alert retry
  cpis alert retry 0b1c5d9e-2f43-4c4e-9a57-3f6a3c1e0d42 --yes
";

const DOCTOR_HELP: &str = "\
Each check prints one line (a tick, ! or a cross; ok, !! or XX when not a terminal) and a fix
under anything not ok. The exit status is 0 when nothing failed, else the exit code of the
first failure's class (6 unreachable, 4 credentials, 7 service, 2 configuration).

Examples:
  cpis --env int doctor
  cpis --env int doctor --json > doctor.json     # attach to a support ticket
";

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in for this profile and environment
    #[command(after_long_help = LOGIN_HELP)]
    Login(LoginArgs),

    /// Show who cpis acts as here, where the credential is kept and when it expires
    #[command(after_long_help = STATUS_HELP)]
    Status {
        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,

        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },

    /// Remove everything stored for this profile and environment
    Logout,

    /// Make a 4096-bit RSA key pair for a system identity: the private key and the public
    /// JWKS to register with the NHS API platform
    #[command(after_long_help = KEYGEN_HELP)]
    Keygen(KeygenArgs),

    /// Print the access token in use (renewed first when it is about to expire) on standard
    /// output, for scripts and for running `--curl` output
    #[command(after_long_help = TOKEN_HELP)]
    Token {
        /// Print it even though standard output is a terminal, where it can be seen, scrolled
        /// back to and recorded
        #[arg(long)]
        yes: bool,
    },

    /// Print a freshly signed client assertion (a JWT) for the stored system identity, for
    /// reproducing its token request (`cpis doctor --curl`)
    #[command(after_long_help = ASSERTION_HELP)]
    Assertion {
        /// Print it even though standard output is a terminal
        #[arg(long)]
        yes: bool,
    },
}

const TOKEN_HELP: &str = "\
The token is a credential: it is printed only to a pipe or a file, never to a terminal unless
--yes is given (exit 2). It is the token the next lookup would send: CPIS_ACCESS_TOKEN when
set, else the stored sign-in's, a system's renewed with a new assertion and a CIS2 user's
refreshed when it is about to expire.

Examples:
  export CPIS_ACCESS_TOKEN=\"$(cpis --env int auth token)\"
  cpis --env int lookup 9434765919 --scheduled --curl | sh
";

const ASSERTION_HELP: &str = "\
Signed with the stored private key for the token URL the system signs in at, valid for under 5
minutes and once (its jti is new). It is a credential: refused on a terminal unless --yes
(exit 2).

Examples:
  export CPIS_CLIENT_ASSERTION=\"$(cpis --env int auth assertion)\"
  cpis --env int doctor --curl
";

const KEYGEN_HELP: &str = "\
Examples:
  cpis auth keygen --kid cpis-int-1 --out ~/.config/cpis/keys
  # register cpis-int-1.jwks.json with your application on the NHS API platform, then:
  cpis --env int auth login --system --api-key KEY --kid cpis-int-1 \\
      --private-key ~/.config/cpis/keys/cpis-int-1.pem \\
      --nominated-person \"Dr Jane SMITH\" --nominated-role \"Named Doctor\"
";

const LOGIN_HELP: &str = "\
A credential is kept for one profile and one environment (--env, --base-url, --profile apply
as to every command): the secret in the OS keyring (or, opted in, a private file), what is
not secret in sessions.json in the data directory. Secrets are never taken as flag values.

Examples:
  cpis --env local auth login --system                # the embedded sandbox's own application
  cpis --env int auth login --system --api-key KEY --kid KID --private-key key.pem \\
      --nominated-person \"Dr Jane SMITH\" --nominated-role \"Named Doctor\"
  cpis --env int auth login --with-token < token.txt
  pbpaste | cpis --env int auth login --with-token
  CPIS_CREDENTIAL_STORE=file cpis --env int auth login --with-token < token.txt   # headless
";

const STATUS_HELP: &str = "\
Exit status 0 when the credential is usable, 4 when it is not (the output says the command
that fixes it). CPIS_ACCESS_TOKEN, when set, wins over anything stored.

Examples:
  cpis --env int auth status
  cpis --env int auth status --json
";

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["with_token", "system", "user", "combined"])))]
#[command(group(clap::ArgGroup::new("app").args(["system", "user", "combined"])))]
pub struct LoginArgs {
    /// Read a ready-made access token from standard input (prompted for on a terminal)
    #[arg(long)]
    pub with_token: bool,

    /// Sign in as a registered system (signed-JWT client credentials), acting for a
    /// nominated person; with --env local, the embedded sandbox's built-in application
    #[arg(long)]
    pub system: bool,

    /// Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local,
    /// the embedded sandbox's mock CIS2 and a synthetic user
    #[arg(long)]
    pub user: bool,

    /// Sign in as an NHS smartcard user through the API platform's own sign-in page (CIS2
    /// "combined authentication"), where the application has no CIS2 registration of its own
    #[arg(long)]
    pub combined: bool,

    /// CIS2's issuer [default: the environment's CIS2 (INT or live)]
    #[arg(long, value_name = "URL", requires = "user")]
    pub cis2_issuer: Option<String>,

    /// This application's CIS2 client id
    #[arg(long, value_name = "ID", requires = "user")]
    pub cis2_client_id: Option<String>,

    /// Read the CIS2 client secret from the first line of standard input (else
    /// CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)
    #[arg(long, requires = "user")]
    pub cis2_client_secret_stdin: bool,

    /// The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback
    /// [default: any free port]
    #[arg(long, value_name = "PORT", requires = "app")]
    pub redirect_port: Option<u16>,

    /// Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect
    #[arg(long, requires = "app")]
    pub no_browser: bool,

    /// The application's API key on the NHS API platform
    #[arg(long, value_name = "KEY", requires = "app")]
    pub api_key: Option<String>,

    /// The key id registered with the platform for the signing key
    #[arg(long, value_name = "KID", requires = "app")]
    pub kid: Option<String>,

    /// The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is
    /// copied into the credential store
    #[arg(long, value_name = "PATH", requires = "app")]
    pub private_key: Option<PathBuf>,

    /// The person responsible for CP-IS queries made by this system (shown on every output)
    #[arg(long, value_name = "NAME", requires = "system")]
    pub nominated_person: Option<String>,

    /// The nominated person's job role
    #[arg(long, value_name = "ROLE", requires = "system")]
    pub nominated_role: Option<String>,

    /// The nominated person's job role code (e.g. R8000), which the HL7 V3 route (--route v3)
    /// sends beside the role's name [default: the profile's nominated_role_code]
    #[arg(long, value_name = "CODE", requires = "system")]
    pub nominated_role_code: Option<String>,

    /// The platform's token endpoint [default: {environment host}/oauth2/token]
    #[arg(long, value_name = "URL", requires = "app")]
    pub token_url: Option<String>,

    /// Use the platform's mock authorisation ({host}/oauth2-mock/token), for testing
    #[arg(long, requires = "app", conflicts_with = "token_url")]
    pub mock_auth: bool,
}

#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// The key id to register the public key under (also names the files)
    #[arg(long, value_name = "KID")]
    pub kid: String,

    /// The directory to write KID.pem (private, 0600) and KID.jwks.json into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted
    #[command(after_long_help = SERVE_HELP)]
    Serve(ServeArgs),

    /// List the sandbox's synthetic patients and what each one shows
    Patients(PatientsArgs),
}

const SERVE_HELP: &str = "\
The first lines on stdout are `base_url: URL` and, with --tls, `ca_bundle: PATH`.

It listens on loopback only: a non-loopback --addr also needs --allow-remote. With --tls and
no --tls-dir, the CA goes to a fresh private directory (mode 0700) that is removed when the
server stops (Ctrl-C, SIGTERM or SIGHUP). An existing --tls-dir must be owned by you and not
accessible by group or others.

POST /oauth2/token (and /oauth2-mock/token) answers signed-JWT client credentials as the NHS
API platform does, for the built-in application (API key cpis-sandbox-app-0001, kid
cpis-sandbox-key-1; its key is synthetic and public) and each --register-app. With
--require-auth the CP-IS searches demand a token from it. An unscheduled search with such a
token is recorded as that application acting for its nominated person.

Examples:
  cpis sandbox serve
  cpis sandbox serve --addr 127.0.0.1:0 --tls        # any free port, HTTPS
  cpis sandbox serve --addr 0.0.0.0:8790 --allow-remote  # reachable from other machines
  cpis sandbox serve --require-auth --register-app MY-API-KEY --jwks my-key.jwks.json \\
      --nominated-person \"Dr Jo BLOGGS\" --nominated-role \"Named Nurse\"
  CPIS_ACCESS_TOKEN=sandbox cpis --base-url http://127.0.0.1:8790/cpis/FHIR/R4 lookup 9990000026 --scheduled
";

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port); loopback only unless --allow-remote
    #[arg(long, default_value = "127.0.0.1:8790", value_name = "IP:PORT")]
    pub addr: std::net::SocketAddr,

    /// Allow listening on a non-loopback address: anyone who can reach it can use the sandbox (synthetic data only)
    #[arg(long)]
    pub allow_remote: bool,

    /// Serve HTTPS with a fresh self-signed CA; its certificate is written for --ca-bundle
    #[arg(long)]
    pub tls: bool,

    /// Serve a deliberately wrong certificate with --tls, to see what clients say
    #[arg(long, value_enum, value_name = "FAULT", requires = "tls")]
    pub tls_fault: Option<crate::sandbox::tls::Fault>,

    /// Directory for the CA certificate with --tls, private to you [default: a fresh private temporary directory, removed on exit]
    #[arg(long, value_name = "DIR", requires = "tls")]
    pub tls_dir: Option<PathBuf>,

    /// Extra latency added to every response, in milliseconds (for benchmarks)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub delay_ms: u64,

    /// Seconds to add to the Date of every response (negative: behind), to show clock skew
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub clock_offset_secs: i64,

    /// Answer CP-IS searches beyond N in any one-second window with the API platform's 429 (spike arrest, Retry-After: 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,

    /// Missed-appointment alerts: meet the first attempt of each alert with this fault (a retry with the same identifier is answered normally)
    #[arg(long, value_enum, value_name = "FAULT")]
    pub alert_fault: Option<crate::sandbox::alerts::AlertFault>,

    /// Make the CP-IS searches demand `Authorization: Bearer TOKEN` with a token issued by a cpis sandbox's /oauth2/token (401 otherwise)
    #[arg(long)]
    pub require_auth: bool,

    /// With --require-auth: accept each access token for N CP-IS searches, then refuse it with 401 as an expired token (to see clients renew mid-run)
    #[arg(long, value_name = "N", requires = "require_auth", value_parser = clap::value_parser!(u32).range(1..))]
    pub token_uses: Option<u32>,

    /// Patient Flags: ignore the search's `code` and answer every flag the patient has (999 000 0026 also has reasonable-adjustment and FGM flags), as a service that ignores `code` would
    #[arg(long)]
    pub flags_ignore_code: bool,

    #[command(flatten)]
    pub apps: AppRegistrations,
}

/// One `--register-app KEY --jwks FILE [--nominated-person NAME --nominated-role ROLE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRegistration {
    pub api_key: String,
    pub jwks: PathBuf,
    pub nominated_person: Option<String>,
    pub nominated_role: Option<String>,
}

/// The applications registered with `cpis sandbox serve`, in command-line order. Each
/// `--jwks`, `--nominated-person` and `--nominated-role` belongs to the `--register-app` before
/// it, so this is parsed from the positions of the flags rather than derived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppRegistrations(pub Vec<AppRegistration>);

const REGISTER_APP: &str = "register_app";
const JWKS: &str = "jwks";
const NOMINATED_PERSON: &str = "nominated_person";
const NOMINATED_ROLE: &str = "nominated_role";

impl clap::FromArgMatches for AppRegistrations {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        fn positioned<T: Clone + Send + Sync + 'static>(
            m: &clap::ArgMatches,
            id: &str,
        ) -> Vec<(usize, T)> {
            match (m.get_many::<T>(id), m.indices_of(id)) {
                (Some(values), Some(indices)) => indices.zip(values.cloned()).collect(),
                _ => Vec::new(),
            }
        }
        let err = |msg: String| clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, msg);
        let apps: Vec<(usize, String)> = positioned(m, REGISTER_APP);
        let mut out: Vec<AppRegistration> = apps
            .iter()
            .map(|(_, key)| AppRegistration {
                api_key: key.clone(),
                jwks: PathBuf::new(),
                nominated_person: None,
                nominated_role: None,
            })
            .collect();
        // The --register-app a flag at `index` belongs to: the last one before it.
        let owner = |flag: &str, index: usize| -> Result<usize, clap::Error> {
            apps.iter().rposition(|(i, _)| *i < index).ok_or_else(|| {
                err(format!(
                    "--{flag} must follow the --register-app it belongs to\n"
                ))
            })
        };
        let mut seen_jwks = vec![false; out.len()];
        for (index, path) in positioned::<PathBuf>(m, JWKS) {
            let app = owner("jwks", index)?;
            if std::mem::replace(&mut seen_jwks[app], true) {
                return Err(err(format!(
                    "--register-app {} has more than one --jwks\n",
                    out[app].api_key
                )));
            }
            out[app].jwks = path;
        }
        for (flag, id) in [
            ("nominated-person", NOMINATED_PERSON),
            ("nominated-role", NOMINATED_ROLE),
        ] {
            for (index, value) in positioned::<String>(m, id) {
                let app = owner(flag, index)?;
                let slot = if id == NOMINATED_PERSON {
                    &mut out[app].nominated_person
                } else {
                    &mut out[app].nominated_role
                };
                if slot.replace(value).is_some() {
                    return Err(err(format!(
                        "--register-app {} has more than one --{flag}\n",
                        out[app].api_key
                    )));
                }
            }
        }
        for (app, has_jwks) in out.iter().zip(&seen_jwks) {
            if !has_jwks {
                return Err(err(format!(
                    "--register-app {} needs --jwks FILE (its public keys) after it\n",
                    app.api_key
                )));
            }
            if app.nominated_person.is_some() != app.nominated_role.is_some() {
                return Err(err(format!(
                    "--register-app {}: give both --nominated-person and --nominated-role, or neither\n",
                    app.api_key
                )));
            }
        }
        Ok(AppRegistrations(out))
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for AppRegistrations {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        use clap::{Arg, ArgAction, ValueHint};
        cmd.arg(
            Arg::new(REGISTER_APP)
                .long("register-app")
                .value_name("API_KEY")
                .action(ArgAction::Append)
                .help("Register another application with the sandbox's /oauth2/token, by its API key (repeatable; each needs --jwks after it)"),
        )
        .arg(
            Arg::new(JWKS)
                .long("jwks")
                .value_name("FILE")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(PathBuf))
                .value_hint(ValueHint::FilePath)
                .requires(REGISTER_APP)
                .help("The public keys (JWKS JSON, {\"keys\": [...]}) the preceding --register-app signs client assertions with"),
        )
        .arg(
            Arg::new(NOMINATED_PERSON)
                .long("nominated-person")
                .value_name("NAME")
                .action(ArgAction::Append)
                .requires(REGISTER_APP)
                .help("The person the preceding --register-app acts for, as accesses name it [default: Nominated PERSON]"),
        )
        .arg(
            Arg::new(NOMINATED_ROLE)
                .long("nominated-role")
                .value_name("ROLE")
                .action(ArgAction::Append)
                .requires(REGISTER_APP)
                .help("The job role of the preceding --register-app's nominated person [default: Nominated person for CP-IS queries]"),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

#[derive(Debug, Clone, Args)]
pub struct PatientsArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Shorthand for --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the settings in effect and where each comes from
    Show {
        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,

        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Print one value from the profile
    Get {
        #[arg(value_enum)]
        key: ConfigKey,
    },
    /// Set a value in the profile
    #[command(
        after_long_help = "Examples:\n  cpis config set env int\n  cpis config set care_setting scheduled\n  cpis --profile ward config set base_url https://int.api.service.nhs.uk/cpis/FHIR/R4\n"
    )]
    Set {
        #[arg(value_enum)]
        key: ConfigKey,
        value: String,
    },
    /// Remove a value from the profile
    Unset {
        #[arg(value_enum)]
        key: ConfigKey,
    },
    /// Print the path of the configuration file
    Path,
}

// The domain values live below this layer; clap learns their names here.
impl ValueEnum for EnvName {
    fn value_variants<'a>() -> &'a [Self] {
        &EnvName::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.describe()))
    }
}

impl ValueEnum for crate::cpis::Route {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::cpis::Route::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.describe()))
    }
}

impl ValueEnum for ConfigKey {
    fn value_variants<'a>() -> &'a [Self] {
        &ConfigKey::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.describe()))
    }
}

impl GlobalArgs {
    /// What the command line says, for `config::resolve`.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            env: self.env,
            base_url: self.base_url.clone(),
            profile: self.profile.clone(),
            ca_bundle: self.ca_bundle.clone(),
            timeout: self.timeout,
            pds_base_url: self.pds_base_url.clone(),
            route: self.route,
            flags_base_url: self.flags_base_url.clone(),
            mhs_url: self.mhs_url.clone(),
            quiet: self.quiet,
            verbose: self.verbose,
        }
    }
}

/// The clap command, for completions, man pages and tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
