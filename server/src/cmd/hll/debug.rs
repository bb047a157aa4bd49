//! PFDEBUG and PFSELFTEST: Redis's HyperLogLog debugging commands.

use super::access::{Access, load, save, sparse_max};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, is};
use crate::db::hll;

/// # Format
/// `PFDEBUG subcommand key`
///
/// `GETREG` (the 16384 registers, turning the key dense), `DECODE` (the
/// sparse code in words), `ENCODING` (`dense` or `sparse`), `TODENSE`
/// (1 if it turned the key dense). As in Redis the key is looked up and
/// checked, and made a `raw` string, before the subcommand is read; the
/// encoding changes are not signalled to WATCH.
pub(super) fn pfdebug(ctx: &mut Ctx<'_>) -> CmdResult {
    let (sub, key) = (ctx.arg(1), ctx.arg(2));
    let Some(mut bytes) = load(ctx, key, Access::Write, true)? else {
        return Err(error::PFDEBUG_NO_KEY);
    };
    if is(sub, "getreg") {
        if hll::encoding(&bytes) == hll::Encoding::Sparse {
            hll::to_dense(&mut bytes).map_err(|_| error::INVALID_HLL)?;
            save(ctx, key, bytes.clone());
            ctx.state.dirty += 1;
        }
        let regs = hll::dense_registers(&bytes);
        ctx.out.array(regs.len());
        for r in regs {
            ctx.out.int(i64::from(r));
        }
    } else if is(sub, "decode") {
        if hll::encoding(&bytes) != hll::Encoding::Sparse {
            return Err(error::HLL_NOT_SPARSE);
        }
        ctx.out.bulk(hll::decode(&bytes).as_bytes());
    } else if is(sub, "encoding") {
        ctx.out.simple(hll::encoding(&bytes).name());
    } else if is(sub, "todense") {
        let converted = hll::to_dense(&mut bytes).map_err(|_| error::INVALID_HLL)?;
        if converted {
            save(ctx, key, bytes);
            ctx.state.dirty += 1;
        }
        ctx.out.int(i64::from(converted));
    } else {
        return Err(error::pfdebug_unknown(sub));
    }
    Ok(())
}

/// Registers filled at random and read back, per run of PFSELFTEST.
const REGISTER_ROUNDS: u32 = 10;
/// Elements added to the sparse and dense HyperLogLogs compared.
const ELEMENTS: u64 = 1_000_000;

/// # Format
/// `PFSELFTEST`
///
/// Tests this server's HyperLogLog code as Redis's tests its own: dense
/// registers written and read back without disturbing their neighbours,
/// then unique elements added to a sparse and a dense HyperLogLog that
/// must agree, stay sparse while small, and estimate within six standard
/// errors at every power of ten. Redis runs 1000 register rounds and 10
/// million elements; redsim runs [`REGISTER_ROUNDS`] and [`ELEMENTS`],
/// enough to cross the sparse-to-dense promotion, so that the command
/// stays quick inside a test process.
pub(super) fn pfselftest(ctx: &mut Ctx<'_>) -> CmdResult {
    let max = sparse_max(ctx);
    let seed = ctx.state.rng.u64(..);
    let rounds = (0..REGISTER_ROUNDS)
        .map(|_| ctx.state.rng.u64(..))
        .collect::<Vec<_>>();
    for round in rounds {
        hll::self_test_registers(round)
            .map_err(|(r, want, got)| error::hll_test_register(r, want, got))?;
    }
    hll::self_test_estimates(seed, ELEMENTS, max).map_err(|failure| match failure {
        hll::EstimateFailure::NotSparse => error::HLL_TEST_NOT_SPARSE,
        hll::EstimateFailure::Disagree => error::HLL_TEST_DISAGREE,
        hll::EstimateFailure::TooFar { card, error } => error::hll_test_too_far(card, error),
    })?;
    ctx.out.ok();
    Ok(())
}
