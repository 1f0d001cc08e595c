//! Requests per second of a one-`get` session handler: signed-session
//! against actix-session on actix-web 4, and against tower-sessions on axum
//! 0.8 (what is measured, and why it is fair: the library's documentation,
//! `src/lib.rs`).
//!
//! Each criterion iteration sends one batch of requests over the
//! keep-alive connections and reports its wall-clock time; the throughput
//! is the batch size, so criterion's `thrpt` is requests per second. After
//! the groups, each framework's two servers are measured again over a
//! fixed number of requests, in alternating rounds (A B, B A, ...) so that
//! the machine's drifts hit both alike, and a summary line gives both rates
//! and their ratio.
//!
//! ```sh
//! cargo bench --manifest-path benches/frameworks/Cargo.toml
//! FRAMEWORK_BENCH_QUICK=1 cargo bench --manifest-path benches/frameworks/Cargo.toml  # CI smoke
//! ```

use std::io;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use signed_session_framework_bench::{CONNECTIONS, Contender, Target};

/// The environment variable that selects the quick mode (any value but
/// empty or `0`).
const QUICK_ENV: &str = "FRAMEWORK_BENCH_QUICK";

/// How much to measure.
#[derive(Clone, Copy, Debug)]
struct Settings {
    quick: bool,
    /// Requests per criterion iteration.
    batch: u64,
    sample_size: usize,
    warm_up: Duration,
    measurement: Duration,
    /// Summary: rounds, and requests per contender per round (after an
    /// unmeasured warm-up of `summary_warm_up` requests on the fresh
    /// connections).
    summary_rounds: u64,
    summary_per_round: u64,
    summary_warm_up: u64,
}

impl Settings {
    fn from_env() -> Self {
        let quick = std::env::var(QUICK_ENV).is_ok_and(|value| !value.is_empty() && value != "0");
        if quick {
            Self {
                quick,
                batch: 2_000,
                sample_size: 10,
                warm_up: Duration::from_millis(200),
                measurement: Duration::from_secs(1),
                summary_rounds: 4,
                summary_per_round: 500,
                summary_warm_up: 100,
            }
        } else {
            Self {
                quick,
                batch: 2_000,
                sample_size: 20,
                warm_up: Duration::from_secs(2),
                measurement: Duration::from_secs(6),
                summary_rounds: 20,
                summary_per_round: 1_000,
                summary_warm_up: 100,
            }
        }
    }
}

fn prepare(contender: Contender) -> Target {
    let target = Target::prepare(contender).unwrap_or_else(|error| {
        eprintln!(
            "set-up of {} {} failed: {error}",
            contender.framework(),
            contender.name()
        );
        std::process::exit(1)
    });
    println!(
        "{} {}: listening on {} ({} threads), cookie {} bytes, checked (stored value, no cookie, tampered cookie); /get sets a cookie: {}",
        contender.framework(),
        contender.name(),
        target.load_addr(),
        target.server_threads(),
        target.cookie().len(),
        if target.get_sets_cookie() {
            "yes"
        } else {
            "no"
        },
    );
    target
}

fn group(criterion: &mut Criterion, settings: Settings, targets: &[Target; 2]) {
    let [first, _] = targets;
    let mut group = criterion.benchmark_group(first.contender().framework());
    group
        .throughput(Throughput::Elements(settings.batch))
        // Each iteration is a whole batch (milliseconds): the same number
        // of iterations per sample.
        .sampling_mode(SamplingMode::Flat);
    for target in targets {
        group.bench_function(target.contender().name(), |bencher| {
            // Fresh connections for each run of the routine: an idle
            // keep-alive connection may have been closed by the server
            // (actix-web's keep-alive is 5 s) while the other contender ran.
            let mut load = target.load().expect("connecting to the server on loopback");
            bencher.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        load.run(settings.batch)
                            .expect("every response is a 200 with the stored value")
                    })
                    .sum()
            });
        });
    }
    group.finish();
}

/// The summary of one framework.
#[derive(Clone, Copy, Debug)]
struct Summary {
    /// Requests per second of each target over all its rounds.
    rates: [f64; 2],
    /// The server threads' CPU time per request, in microseconds, over
    /// the measured requests (`NaN` where it cannot be read). Less moved
    /// than the rates by load from elsewhere on the machine, not immune:
    /// a server woken less often handles fewer requests per wake-up.
    cpu_per_request: [f64; 2],
    /// The median over the rounds of the first's rate over the second's
    /// (each pair measured back to back, so a burst of load from elsewhere
    /// on the machine spoils one pair, not the total).
    median_ratio: f64,
}

/// Requests per second of each of `targets` over the summary's requests,
/// in alternating rounds (A B, B A, A B, ...), each on fresh connections
/// warmed up first.
fn summary(settings: Settings, targets: &[Target; 2]) -> io::Result<Summary> {
    let mut elapsed = [Duration::ZERO; 2];
    let mut cpu = [Some(Duration::ZERO); 2];
    let mut ratios = Vec::new();
    for round in 0..settings.summary_rounds {
        let mut times = [Duration::ZERO; 2];
        let mut order: Vec<_> = targets
            .iter()
            .zip(times.iter_mut().zip(cpu.iter_mut()))
            .collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for (target, (time, cpu)) in order {
            let mut load = target.load()?;
            load.run(settings.summary_warm_up)?;
            let before = target.server_cpu_time();
            *time = load.run(settings.summary_per_round)?;
            let used = target
                .server_cpu_time()
                .zip(before)
                .map(|(after, before)| after.saturating_sub(before));
            *cpu = cpu.zip(used).map(|(total, used)| total + used);
        }
        for (total, time) in elapsed.iter_mut().zip(times) {
            *total += time;
        }
        let [first, second] = times;
        // Rate ratio: the second's time over the first's.
        ratios.push(second.as_secs_f64() / first.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let median_ratio = match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios.get(n / 2).copied().unwrap_or(f64::NAN),
        n => {
            let low = ratios.get(n / 2 - 1).copied().unwrap_or(f64::NAN);
            let high = ratios.get(n / 2).copied().unwrap_or(f64::NAN);
            (low + high) / 2.0
        }
    };
    let requests = (settings.summary_rounds * settings.summary_per_round) as f64;
    Ok(Summary {
        rates: elapsed.map(|time| requests / time.as_secs_f64()),
        cpu_per_request: cpu
            .map(|cpu| cpu.map_or(f64::NAN, |cpu| cpu.as_secs_f64() * 1e6 / requests)),
        median_ratio,
    })
}

fn main() {
    let started = Instant::now();
    let settings = Settings::from_env();
    println!(
        "framework bench ({} mode): {CONNECTIONS} keep-alive connections, one server worker each; batches of {} requests",
        if settings.quick { "quick" } else { "full" },
        settings.batch
    );
    let actix = [
        prepare(Contender::ActixSignedSession),
        prepare(Contender::ActixSession),
    ];
    let axum = [
        prepare(Contender::AxumSignedSession),
        prepare(Contender::TowerSessions),
    ];

    let mut criterion = Criterion::default()
        .sample_size(settings.sample_size)
        .warm_up_time(settings.warm_up)
        .measurement_time(settings.measurement)
        .configure_from_args();
    group(&mut criterion, settings, &actix);
    group(&mut criterion, settings, &axum);
    criterion.final_summary();

    println!();
    println!(
        "summary: {} requests per server, {} alternating rounds of {}",
        settings.summary_rounds * settings.summary_per_round,
        settings.summary_rounds,
        settings.summary_per_round
    );
    for targets in [&actix, &axum] {
        let Summary {
            rates: [ours, theirs],
            cpu_per_request: [ours_cpu, theirs_cpu],
            median_ratio,
        } = summary(settings, targets).unwrap_or_else(|error| {
            eprintln!("summary failed: {error}");
            std::process::exit(1)
        });
        let [first, second] = targets;
        println!(
            "{}: {} {ours:.0} req/s, {} {theirs:.0} req/s, ratio {:.2} (median of the {} rounds' ratios: {median_ratio:.2})",
            first.contender().framework(),
            first.contender().name(),
            second.contender().name(),
            ours / theirs,
            settings.summary_rounds,
        );
        println!(
            "{}: server CPU per request: {} {ours_cpu:.1} us, {} {theirs_cpu:.1} us, ratio {:.2}",
            first.contender().framework(),
            first.contender().name(),
            second.contender().name(),
            ours_cpu / theirs_cpu,
        );
    }

    for target in actix.into_iter().chain(axum) {
        let contender = target.contender();
        if let Err(error) = target.stop() {
            eprintln!(
                "stopping {} {}: {error}",
                contender.framework(),
                contender.name()
            );
            std::process::exit(1);
        }
    }
    println!(
        "framework bench done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
