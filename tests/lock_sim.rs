//! Lock safety under a seeded randomized simulation (see
//! `tests/support/sim/`): hundreds of seeds within the documented
//! assumptions must give no violation; seeds that break an assumption on
//! purpose must reproduce the breakage, and the rate is printed.
//!
//! Replay one seed and print its history (and draw it):
//!
//! ```text
//! REDSIM_SIM_SEED=42 [REDSIM_SIM_BREAK=restart] [REDSIM_SIM_SVG=/tmp/t.svg] \
//!     cargo test --test lock_sim replay -- --nocapture
//! ```

use support::sim::{self, Breakage, Scenario};

fn replay_hint(scenario: &Scenario) -> String {
    format!(
        "REDSIM_SIM_SEED={} REDSIM_SIM_BREAK={} cargo test --test lock_sim replay -- --nocapture",
        scenario.seed,
        scenario.breakage.name()
    )
}

#[test]
fn smoke() {
    let s = Scenario::new(1, Breakage::None);
    let (h, r) = sim::run_and_check(&s);
    println!("{}\n{h}\n{r}", sim::label(&s));
    println!("{}", replay_hint(&s));
}
