//! Bitmap commands.

use super::CommandSpec;

/// The bitmap commands.
pub const COMMANDS: &[CommandSpec] = &[];
