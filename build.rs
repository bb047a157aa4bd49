//! Finds the programs the cross-crate tests need, so that a test that
//! cannot run here shows as *ignored* in the test summary, with the line
//! that says how to install what is missing, instead of passing without
//! having compared anything.
//!
//! Each program missing sets a `cfg` the tests put in an `ignore`
//! attribute: `no_redis` (`redis-server`, for the parity tests).
//! When `REDSIM_REQUIRE_REDIS=1` (as CI sets it) nothing is ignored: the
//! tests run and fail with install instructions instead.
//!
//! The script runs again when PATH, `REDIS_SERVER` or the requirement
//! changes, when the program found goes away, and, while it is missing,
//! when a directory on PATH changes (something was installed there).

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_redis)");
    println!("cargo::rerun-if-changed=build.rs");
    for var in ["PATH", "REDIS_SERVER", "REDSIM_REQUIRE_REDIS"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let path_dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default();
    let required = env::var("REDSIM_REQUIRE_REDIS").is_ok_and(|v| v == "1");
    let found = match env::var_os("REDIS_SERVER") {
        Some(p) => Some(PathBuf::from(p)),
        None => path_dirs
            .iter()
            .map(|d| d.join("redis-server"))
            .find(|p| p.is_file()),
    };
    match found {
        // Run again if it goes away.
        Some(binary) => println!("cargo::rerun-if-changed={}", binary.display()),
        None if required => {}
        None => {
            println!("cargo::rustc-cfg=no_redis");
            println!(
                "cargo::warning=redis-server not found: the parity tests will show as ignored \
                 (Debian/Ubuntu: apt-get install -y redis-server)"
            );
            // Run again once something is installed on PATH.
            for dir in &path_dirs {
                println!("cargo::rerun-if-changed={}", dir.display());
            }
        }
    }
}
