//! `pingan`: the command-line entry point.

use clap::{Parser, Subcommand, ValueEnum};
use pingan::config::Config;
use pingan::startup::{Server, open_store, shutdown_signal};
use pingan::tables::Kind;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a request allocates many small short-lived
/// buffers across threads (HTTP, JSON, SQL rows), where glibc's malloc spent a tenth of intake's
/// CPU consolidating and unlinking chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 平安德州: city-wide safety and grassroots governance platform.
#[derive(Parser)]
#[command(name = "pingan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo: an embedded SQLite city (./pingan-demo.db), created on first run.
    Demo {
        /// Size of the synthetic city.
        #[arg(long, value_enum, default_value_t = ScaleArg::Full)]
        scale: ScaleArg,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// SQLite file of the demo.
        #[arg(long, default_value = "pingan-demo.db")]
        db: PathBuf,
    },
    /// Run the server for production (database from the config file or PINGAN_DATABASE_URL).
    Serve {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Measure: `city` (generate, load, serve, memory) or `locate` (point → grid lookups).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// The appeal classifier: `eval FILE.csv` (columns text,category[,urgency]) prints
    /// top-1/top-3 accuracy, urgency accuracy and the most confused pairs; `train --out
    /// MODEL.json` retrains it with the dispatchers' corrections.
    Classifier {
        #[command(subcommand)]
        what: ClassifierCommand,
    },
    /// The tamper-evident ledger: `verify` recomputes each log from its stored entries and
    /// checks every stored subtree, the head, every checkpoint, every audit row and prepaid flow
    /// against its leaf; it names the first divergent entry and exits 1 when the log is not
    /// what its history says; `checkpoints` exports the signed checkpoints for publication.
    Ledger {
        #[command(subcommand)]
        what: LedgerCommand,
    },
    /// 预付卡: `import FILE --user USERNAME` records a file of money flows (.csv or .xlsx) as
    /// that account, all or nothing, naming each bad row; `assess` runs every merchant's
    /// assessment now (the server does it daily).
    Prepaid {
        #[command(subcommand)]
        what: PrepaidCommand,
    },
    /// Personal data (PIPL): `erase --account USERNAME --by WHO`, `erase --card LICENCE:CARD_NO --by WHO`.
    Privacy {
        #[command(subcommand)]
        what: PrivacyCommand,
    },
    /// API tokens for other systems: `create --name NAME --user USERNAME` (prints the secret
    /// once), `list`, `revoke ID`.
    Token {
        #[command(subcommand)]
        what: TokenCommand,
    },
    /// Attachment files: `sweep` removes those no record refers to, after a grace period.
    Blobs {
        #[command(subcommand)]
        what: BlobsCommand,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Import a file (.csv or .xlsx; grids also .geojson): every row is checked
    /// first, and a file with any bad row imports nothing and lists every bad row.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: Kind,
        /// The file to import.
        file: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Export the whole city to a file (.xlsx or .csv; grids also .geojson), in
    /// the columns `import` reads; phone numbers are masked, passwords never written.
    Export {
        /// What to export.
        #[arg(value_enum)]
        kind: Kind,
        /// The file to write (replaced if it exists).
        file: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BlobsCommand {
    /// Remove blobs no record refers to, and temp files of interrupted writes, once older than
    /// the grace period (audited).
    Sweep {
        /// Keep anything younger than this many hours (at least 1).
        #[arg(long, default_value_t = 24)]
        grace_hours: u64,
        /// Only count what would be removed.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Recompute and check the logs (all, or one with --log).
    Verify {
        /// `prepaid` or `audit`.
        #[arg(long)]
        log: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a log's signed checkpoints (after signing one for its current size) as JSON, for
    /// publication to a regulator or anchoring in an external chain.
    Checkpoints {
        /// `prepaid` or `audit`.
        #[arg(long)]
        log: String,
        /// Only checkpoints of a larger size than this (the last one published).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// The file to write; `-` writes to standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Erase a person's data (PIPL): an account's name, phone and password, and its personal
    /// data in the audit trail (events redacted, their ledger salts deleted), or a prepaid
    /// card's number and commitment salt. The ledgers stay valid. Audited.
    Erase {
        /// The account's username, or a citizen's mobile number.
        #[arg(long, required_unless_present = "card", conflicts_with = "card")]
        account: Option<String>,
        /// A prepaid card, as `LICENCE:CARD_NO` (the merchant's unified credit code).
        #[arg(long)]
        card: Option<String>,
        /// Who ordered the erasure (recorded in the audit trail), e.g. the request's number.
        #[arg(long)]
        by: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PrepaidCommand {
    /// Record a file of flows (columns merchant, kind, card_no, product, amount, occurred_at,
    /// reference, or their Chinese names); the same file twice is recorded once.
    Import {
        file: PathBuf,
        /// The account it is recorded as (the supervising department or an administrator).
        #[arg(long)]
        user: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Assess every merchant now.
    Assess {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token that acts as an existing account (its role and region scope apply).
    Create {
        /// Which system holds it, e.g. "12345 热线".
        #[arg(long)]
        name: String,
        /// The account it acts as.
        #[arg(long)]
        user: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Every token, without secrets.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke a token by its id.
    Revoke {
        id: i64,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Generate and load the city into a temporary SQLite file, serve it, report times and memory.
    City {
        #[arg(long, value_enum, default_value_t = ScaleArg::Full)]
        scale: ScaleArg,
    },
    /// Appeal intake through the HTTP API: sustained cases/s, latency at a fixed rate, and the
    /// ceilings (empty handler, bare durable insert loop). PostgreSQL needs PINGAN_TEST_POSTGRES_URL.
    Intake {
        #[arg(long, value_enum, default_value_t = EngineArg::Sqlite)]
        engine: EngineArg,
        #[arg(long, value_enum, default_value_t = ScaleArg::Full)]
        scale: ScaleArg,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Requests per second of the fixed-rate (open loop) run.
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        /// Load the demo's year of appeal history first (about 300,000 cases at full scale), so
        /// that new cases land in tables and indexes the size of a city a year in.
        #[arg(long)]
        history: bool,
    },
    /// One deadline pass over many open cases of which some are due.
    Deadlines {
        #[arg(long, value_enum, default_value_t = EngineArg::Sqlite)]
        engine: EngineArg,
        #[arg(long, default_value_t = 1_000_000)]
        open: usize,
        #[arg(long, default_value_t = 500)]
        due: usize,
    },
    /// The ledger: batched appends with durable commits, then inclusion and consistency proof
    /// times at the log's size. PostgreSQL needs PINGAN_TEST_POSTGRES_URL.
    Ledger {
        #[arg(long, value_enum, default_value_t = EngineArg::Sqlite)]
        engine: EngineArg,
        #[arg(long, default_value_t = 1_000_000)]
        entries: u64,
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        #[arg(long, default_value_t = 1_000)]
        proofs: usize,
    },
    /// Point → grid lookups per second on one thread.
    Locate {
        #[arg(long, value_enum, default_value_t = ScaleArg::Full)]
        scale: ScaleArg,
        #[arg(long, default_value_t = 2_000_000)]
        lookups: usize,
    },
}

#[derive(Subcommand)]
enum ClassifierCommand {
    /// Evaluate the shipped model on a labelled CSV (text,category[,urgency]).
    Eval {
        /// The labelled file.
        file: PathBuf,
    },
    /// Retrain with the dispatchers' corrections (reclassified cases, from the database of the
    /// config file or PINGAN_DATABASE_URL) added to the shipped examples, and write the model
    /// for the server's classifier_model setting.
    Train {
        /// The model file to write (replaced whole, or left as it was on failure).
        #[arg(long)]
        out: PathBuf,
        /// A labelled CSV (text,category[,urgency]) to compare the shipped and the retrained
        /// model on; it is never trained on.
        #[arg(long)]
        eval: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
    Sqlite,
    Postgres,
}

impl From<EngineArg> for pingan_store::Engine {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Sqlite => pingan_store::Engine::Sqlite,
            EngineArg::Postgres => pingan_store::Engine::Postgres,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    /// A few hundred grids, for trying things out and for tests.
    Small,
    /// Dezhou scale: 134 townships, ~13,000 grids, ~50,000 units.
    Full,
}

impl From<ScaleArg> for pingan_sim::Scale {
    fn from(s: ScaleArg) -> Self {
        match s {
            ScaleArg::Small => pingan_sim::Scale::Small,
            ScaleArg::Full => pingan_sim::Scale::Full,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_json = std::env::var("PINGAN_LOG_FORMAT").is_ok_and(|v| v == "json");
    init_tracing(log_json);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line that names the cause, e.g. "error: cannot listen on 127.0.0.1:8080: Address in use".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { scale, port, db } => pingan::demo::run(scale.into(), port, &db).await,
        Command::Classifier { what: ClassifierCommand::Eval { file } } => {
            let examples = pingan_classify::read_csv(&file)?;
            let model = pingan_classify::Classifier::shipped();
            print!("{}", pingan_classify::evaluate(&model, &examples));
            Ok(())
        }
        Command::Classifier { what: ClassifierCommand::Train { out, eval, config } } => {
            pingan::classifier::run_train(config.as_deref(), &out, eval.as_deref()).await
        }
        Command::Bench { what: BenchCommand::City { scale } } => pingan::bench::city(scale.into()).await,
        Command::Bench { what: BenchCommand::Intake { engine, scale, concurrency, seconds, rate, history } } => {
            let load = pingan::bench_appeals::IntakeLoad { concurrency, seconds, rate, history };
            pingan::bench_appeals::intake(engine.into(), scale.into(), load).await
        }
        Command::Bench { what: BenchCommand::Deadlines { engine, open, due } } => {
            pingan::bench_appeals::deadlines(engine.into(), open, due).await
        }
        Command::Bench { what: BenchCommand::Ledger { engine, entries, batch, proofs } } => {
            pingan::bench_ledger::run(engine.into(), entries, batch.max(1), proofs.max(1)).await
        }
        Command::Bench { what: BenchCommand::Locate { scale, lookups } } => {
            pingan::bench::locate(scale.into(), lookups)
        }
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            let server = Server::from_config(&config).await?;
            tracing::info!(addr = %server.addr, "pingan serving");
            server.run(shutdown_signal()).await
        }
        Command::Migrate { config } => {
            let config = Config::load(config.as_deref())?;
            let store = open_store(&config.database_url, 1).await?;
            store.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Token { what: TokenCommand::Create { name, user, config } } => {
            pingan::tokens::create(config.as_deref(), &name, &user).await
        }
        Command::Ledger { what: LedgerCommand::Checkpoints { log, after, out, config } } => {
            pingan::ledger::export_checkpoints(config.as_deref(), &log, after, &out).await
        }
        Command::Privacy { what: PrivacyCommand::Erase { account: Some(account), by, config, .. } } => {
            pingan::ledger::erase_account(config.as_deref(), &account, &by).await
        }
        Command::Privacy { what: PrivacyCommand::Erase { card: Some(card), by, config, .. } } => {
            pingan::ledger::erase_card(config.as_deref(), &card, &by).await
        }
        Command::Privacy { what: PrivacyCommand::Erase { .. } } => {
            anyhow::bail!("give --account USERNAME or --card LICENCE:CARD_NO")
        }
        Command::Ledger { what: LedgerCommand::Verify { log, config } } => {
            let all_good = pingan::ledger::verify(config.as_deref(), log.as_deref()).await?;
            if !all_good {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Prepaid { what: PrepaidCommand::Import { file, user, config } } => {
            pingan::prepaid::import(config.as_deref(), &file, &user).await
        }
        Command::Prepaid { what: PrepaidCommand::Assess { config } } => {
            pingan::prepaid::assess(config.as_deref()).await
        }
        Command::Token { what: TokenCommand::List { config } } => pingan::tokens::list(config.as_deref()).await,
        Command::Token { what: TokenCommand::Revoke { id, config } } => {
            pingan::tokens::revoke(config.as_deref(), id).await
        }
        Command::Blobs { what: BlobsCommand::Sweep { grace_hours, dry_run, config } } => {
            pingan::blobs::sweep(config.as_deref(), grace_hours, dry_run).await
        }
        Command::Import { kind, file, config } => pingan::tables::run_import(config.as_deref(), kind, &file).await,
        Command::Export { kind, file, config } => pingan::tables::run_export(config.as_deref(), kind, &file).await,
    }
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
