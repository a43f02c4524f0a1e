//! The table's rows: the schema, reading every lease, and writing what a change did.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::lease::model::{Holder, Lease};
use crate::registry::Protocol;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    protocol TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp', 'both')),
    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    service TEXT NOT NULL,
    type TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER,
    pid_start INTEGER,
    created_ms INTEGER NOT NULL,
    renewed_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    ttl_ms INTEGER NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (scope, service)
);
";

pub(super) fn all(conn: &Connection) -> rusqlite::Result<Vec<Lease>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, scope, protocol, port, service, type, host, pid, pid_start, created_ms, renewed_ms,
                expires_ms, ttl_ms, labels FROM leases ORDER BY scope, port, id",
    )?;
    let rows = stmt.query_map([], |r| {
        let protocol: String = r.get(2)?;
        let labels: String = r.get(13)?;
        Ok(Lease {
            id: r.get(0)?,
            scope: r.get(1)?,
            // Written by `Protocol::as_str`, so always one of its words.
            protocol: Protocol::parse(&protocol).unwrap_or(Protocol::Tcp),
            port: r.get(3)?,
            service: r.get(4)?,
            kind: r.get(5)?,
            holder: Holder { host: r.get(6)?, pid: r.get(7)?, pid_start: r.get(8)? },
            created_ms: r.get(9)?,
            renewed_ms: r.get(10)?,
            expires_ms: r.get(11)?,
            ttl_ms: r.get(12)?,
            // A row whose labels do not parse is an error: rewriting it would drop them.
            labels: serde_json::from_str(&labels).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e))
            })?,
        })
    })?;
    rows.collect()
}
fn put(conn: &Connection, l: &Lease) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO leases (id, scope, protocol, port, service, type, host, pid, pid_start,
             created_ms, renewed_ms, expires_ms, ttl_ms, labels)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        l.id,
        l.scope,
        l.protocol.as_str(),
        l.port,
        l.service,
        l.kind,
        l.holder.host,
        l.holder.pid,
        l.holder.pid_start,
        l.created_ms,
        l.renewed_ms,
        l.expires_ms,
        l.ttl_ms,
        serde_json::to_string(&l.labels).unwrap_or_else(|_| "[]".into()),
    ])?;
    Ok(())
}

/// Writes the rows that differ between `before` and `after` (a lease is one row, found by its
/// id); whether there were any.
pub(super) fn write_diff(conn: &Connection, before: &[Lease], after: &[Lease]) -> rusqlite::Result<bool> {
    let kept: HashMap<&str, &Lease> = after.iter().map(|l| (l.id.as_str(), l)).collect();
    let was: HashMap<&str, &Lease> = before.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut wrote = false;
    for old in before {
        if !kept.contains_key(old.id.as_str()) {
            conn.prepare_cached("DELETE FROM leases WHERE id = ?1")?.execute([&old.id])?;
            wrote = true;
        }
    }
    for new in after {
        if was.get(new.id.as_str()) != Some(&new) {
            put(conn, new)?;
            wrote = true;
        }
    }
    Ok(wrote)
}
