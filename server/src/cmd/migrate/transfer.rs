//! What MIGRATE hands the server core and gets back: the transfer to
//! make ([`Transfer`]), what came back ([`Transferred`]), and what the
//! command needs to finish once it did ([`Migration`], [`Resume`]). Plain
//! data, shared by the command and the host interface.

use bytes::Bytes;

use crate::protocol::Resp;

/// What MIGRATE sends to its target, prepared under the lock.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The host argument, as given.
    pub host: Bytes,
    /// The port argument, as given (read as C's `atoi` reads it).
    pub port: Bytes,
    /// Milliseconds each connect, write and read may take.
    pub timeout_ms: u64,
    /// The target database (SELECT is sent when the cached connection was
    /// last in another one).
    pub db: i64,
    /// AUTH's arguments (a user name for AUTH2, and the password).
    pub auth: Option<(Option<Bytes>, Bytes)>,
    /// The RESTORE (or RESTORE-ASKING) commands, encoded, one per key.
    pub restores: Vec<u8>,
    /// How many RESTORE commands `restores` holds.
    pub count: usize,
}

impl Transfer {
    /// The name of the connection cache entry: `host:port` as given.
    pub fn name(&self) -> Vec<u8> {
        [&self.host[..], b":", &self.port[..]].concat()
    }

    /// The port as Redis's `atoi` reads the argument: leading blanks, a
    /// sign, digits up to the first other byte; 0 if none.
    pub fn port_number(&self) -> u16 {
        let s = &self.port[..];
        let mut i = s
            .iter()
            .position(|b| !b" \t\n\x0b\x0c\r".contains(b))
            .unwrap_or(s.len());
        let negative = s.get(i) == Some(&b'-');
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let mut n: i64 = 0;
        while let Some(d) = s.get(i).filter(|b| b.is_ascii_digit()) {
            n = n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
            i += 1;
        }
        let n = if negative { n.wrapping_neg() } else { n };
        // `htons((int)port)`: the low 16 bits.
        n as u16
    }
}

/// What came back from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transferred {
    /// No connection could be made (the name did not resolve, or the
    /// connect timed out).
    NoConnection,
    /// The transfer failed before any RESTORE reply was read, after the
    /// one retry Redis allows: writing (a refused connection shows here,
    /// as in Redis) or reading (a timeout, or AUTH's or SELECT's reply
    /// never came).
    Failed {
        /// Whether the write failed (else a read).
        writing: bool,
    },
    /// The reply lines read, without their CRLF.
    Replied {
        /// AUTH's reply, if AUTH was sent.
        auth: Option<Vec<u8>>,
        /// SELECT's reply, if SELECT was sent.
        select: Option<Vec<u8>>,
        /// One per RESTORE, in order, until the connection failed.
        restores: Vec<Vec<u8>>,
    },
}

/// A MIGRATE waiting for its target: what it sent, and what it must
/// compare before deleting.
#[derive(Debug)]
pub struct Migration {
    /// What is sent.
    pub transfer: Transfer,
    /// The source database.
    pub db: usize,
    /// The keys sent, in the order of their RESTOREs.
    pub keys: Vec<Bytes>,
    /// Their payloads as sent: a key whose value changed since is kept.
    pub payloads: Vec<Vec<u8>>,
    /// COPY: nothing is deleted.
    pub copy: bool,
}

/// Who a detached MIGRATE finishes for: its client as it sent it.
#[derive(Debug, Clone)]
pub struct Resume {
    /// The client's id.
    pub id: crate::state::ClientId,
    /// Its protocol version.
    pub resp: Resp,
    /// Its ACL user.
    pub user: Bytes,
    /// The MIGRATE command as sent.
    pub args: Vec<Bytes>,
}
