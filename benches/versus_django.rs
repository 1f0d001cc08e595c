//! The last step of `cargo bench`: times Django on the same payloads and
//! prints it beside the criterion results of the other bench targets
//! (`signing`, `session`; cargo runs bench targets in name order, so this
//! one comes after them) as ratios, with the targets of issue 7.
//!
//! It runs `benches/compare_django.py` with the Python of
//! `SIGNED_SESSION_DJANGO_PYTHON`, or of the project's Django venv
//! (`target/django-venv`, created by `.ci/setup-django.sh` if missing).
//! In criterion's test mode (`cargo bench -- --test`) it only checks that
//! the script exists.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn python(root: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SIGNED_SESSION_DJANGO_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = root.join("target/django-venv/bin/python");
    if !venv.exists() {
        eprintln!("versus_django: no Django venv yet; running .ci/setup-django.sh");
        let ok = Command::new("bash")
            .arg(root.join(".ci/setup-django.sh"))
            .current_dir(root)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
    }
    venv.exists().then_some(venv)
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("benches/compare_django.py");
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        if script.exists() {
            println!(
                "versus_django: {} present (not timed in test mode)",
                script.display()
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("versus_django: {} is missing", script.display());
        return ExitCode::FAILURE;
    }
    let Some(python) = python(root) else {
        eprintln!(
            "versus_django: no Python with Django 5.2.19 (set SIGNED_SESSION_DJANGO_PYTHON \
             or run .ci/setup-django.sh); the Rust benchmarks above are complete"
        );
        return ExitCode::FAILURE;
    };
    match Command::new(&python)
        .arg(&script)
        .arg("--markdown")
        .current_dir(root)
        .status()
    {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("versus_django: compare_django.py failed ({s})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("versus_django: cannot run {}: {e}", python.display());
            ExitCode::FAILURE
        }
    }
}
