//! What differs between database engines: placeholders, the workload table's
//! DDL and seeding, session settings (statement timeout), and how an engine's
//! errors map to the workload's error classes.

use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::{Connection, Executor, Row};

use super::ErrorClass;

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    Sqlite,
}

impl Backend {
    /// From a URL's scheme.
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme {
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::Mysql),
            "sqlite" => Some(Backend::Sqlite),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }

    /// The `i`-th placeholder (1-based).
    fn placeholder(self, i: usize) -> String {
        match self {
            Backend::Postgres => format!("${i}"),
            Backend::Mysql | Backend::Sqlite => "?".into(),
        }
    }

    /// `SELECT` one row by primary key.
    pub fn point_select(self, table: &str) -> String {
        format!("SELECT id, category, payload, counter FROM {table} WHERE id = {}", self.placeholder(1))
    }

    /// Rows of two neighbouring categories (about 2 × [`ROWS_PER_CATEGORY`]),
    /// which an index on `category` finds and a missing one makes a table scan.
    pub fn range_select(self, table: &str) -> String {
        format!(
            "SELECT COUNT(*), MAX(counter) FROM {table} WHERE category BETWEEN {} AND {}",
            self.placeholder(1),
            self.placeholder(2)
        )
    }

    pub fn update(self, table: &str) -> String {
        format!("UPDATE {table} SET counter = counter + 1 WHERE id = {}", self.placeholder(1))
    }

    pub fn insert(self, table: &str) -> String {
        format!(
            "INSERT INTO {table} (id, category, payload, counter) VALUES ({}, {}, {}, 0)",
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3)
        )
    }

    fn create_table(self, table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (id BIGINT PRIMARY KEY, category BIGINT NOT NULL, payload TEXT NOT \
             NULL, counter BIGINT NOT NULL DEFAULT 0)"
        )
    }

    fn index_name(table: &str) -> String {
        format!("{table}_category")
    }

    /// Statements that give a new connection the workload's session settings.
    /// `scratch`: the database is perfproof's own temporary file, whose commits
    /// need not wait for the disk.
    pub fn session_setup(self, statement_timeout: Duration, mariadb: bool, scratch: bool) -> Vec<String> {
        let ms = statement_timeout.as_millis().max(1);
        match self {
            Backend::Postgres => vec![format!("SET statement_timeout = {ms}")],
            Backend::Mysql if mariadb => vec![
                format!("SET SESSION max_statement_time = {:.3}", ms as f64 / 1000.0),
                format!("SET SESSION innodb_lock_wait_timeout = {}", ms.div_ceil(1000)),
            ],
            Backend::Mysql => vec![
                format!("SET SESSION max_execution_time = {ms}"),
                format!("SET SESSION innodb_lock_wait_timeout = {}", ms.div_ceil(1000)),
            ],
            Backend::Sqlite if scratch => {
                vec![format!("PRAGMA busy_timeout = {ms}"), "PRAGMA synchronous = NORMAL".into()]
            }
            Backend::Sqlite => vec![format!("PRAGMA busy_timeout = {ms}")],
        }
    }

    /// The server's version string.
    pub async fn server_version(self, conn: &mut AnyConnection) -> Result<String, sqlx::Error> {
        let sql = match self {
            Backend::Postgres => "SHOW server_version",
            Backend::Mysql => "SELECT VERSION()",
            Backend::Sqlite => "SELECT sqlite_version()",
        };
        let row = conn.fetch_one(sql).await?;
        row.try_get::<String, _>(0)
    }

    /// Creates the table if missing, adds the rows `1..=rows` it lacks, and
    /// creates or drops the index on `category` as asked. Returns the next free key.
    pub async fn seed(
        self,
        conn: &mut AnyConnection,
        table: &str,
        rows: u64,
        payload_bytes: u32,
        range_index: bool,
    ) -> Result<u64, sqlx::Error> {
        if self == Backend::Sqlite {
            // One writer at a time, readers never blocked: what a served SQLite uses.
            conn.execute("PRAGMA journal_mode = WAL").await?;
        }
        conn.execute(self.create_table(table).as_str()).await?;
        let present: i64 =
            sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE id BETWEEN 1 AND {}", self.placeholder(1)))
                .bind(rows as i64)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
        if (present as u64) < rows {
            let insert_ignore = match self {
                Backend::Postgres => "INSERT INTO",
                Backend::Mysql => "INSERT IGNORE INTO",
                Backend::Sqlite => "INSERT OR IGNORE INTO",
            };
            let on_conflict = if self == Backend::Postgres { " ON CONFLICT (id) DO NOTHING" } else { "" };
            const BATCH: u64 = 500;
            let mut tx = conn.begin().await?;
            let mut first = 1;
            while first <= rows {
                let last = (first + BATCH - 1).min(rows);
                let values = (0..=(last - first))
                    .map(|i| {
                        let base = i as usize * 3;
                        format!(
                            "({}, {}, {}, 0)",
                            self.placeholder(base + 1),
                            self.placeholder(base + 2),
                            self.placeholder(base + 3)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql =
                    format!("{insert_ignore} {table} (id, category, payload, counter) VALUES {values}{on_conflict}");
                let mut query = sqlx::query(&sql);
                for id in first..=last {
                    query = query.bind(id as i64).bind(category_of(id) as i64).bind(payload(id, payload_bytes));
                }
                query.execute(&mut *tx).await?;
                first = last + 1;
            }
            tx.commit().await?;
        }
        let index = Self::index_name(table);
        let has_index = self.has_index(conn, table, &index).await?;
        if range_index && !has_index {
            conn.execute(format!("CREATE INDEX {index} ON {table} (category)").as_str()).await?;
        } else if !range_index && has_index {
            let drop = match self {
                Backend::Mysql => format!("DROP INDEX {index} ON {table}"),
                _ => format!("DROP INDEX {index}"),
            };
            conn.execute(drop.as_str()).await?;
        }
        if self == Backend::Postgres {
            conn.execute(format!("ANALYZE {table}").as_str()).await?;
        }
        let max: Option<i64> = conn.fetch_one(format!("SELECT MAX(id) FROM {table}").as_str()).await?.try_get(0)?;
        Ok(max.unwrap_or(0).max(0) as u64 + 1)
    }

    async fn has_index(self, conn: &mut AnyConnection, table: &str, index: &str) -> Result<bool, sqlx::Error> {
        let sql = match self {
            Backend::Postgres => format!("SELECT COUNT(*) FROM pg_indexes WHERE indexname = '{index}'"),
            Backend::Mysql => format!(
                "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = \
                 '{table}' AND index_name = '{index}'"
            ),
            Backend::Sqlite => format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{index}'"),
        };
        let n: i64 = conn.fetch_one(sql.as_str()).await?.try_get(0)?;
        Ok(n > 0)
    }

    /// Drops the workload's table.
    pub async fn drop_table(self, conn: &mut AnyConnection, table: &str) -> Result<(), sqlx::Error> {
        conn.execute(format!("DROP TABLE IF EXISTS {table}").as_str()).await.map(|_| ())
    }
}

/// Rows per value of `category`.
pub const ROWS_PER_CATEGORY: u64 = 100;

/// The category of row `id`.
pub fn category_of(id: u64) -> u64 {
    id / ROWS_PER_CATEGORY
}

/// Row `id`'s payload: `bytes` printable bytes.
pub fn payload(id: u64, bytes: u32) -> String {
    let stamp = format!("{id:016x}");
    stamp.chars().cycle().take(bytes as usize).collect()
}

/// A table name the workload may create: letters, digits and `_`, starting with a
/// letter, at most 48 characters (it is spliced into SQL, so nothing else passes).
pub fn check_table_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 48
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a table name of letters, digits and _ (starting with a letter, at most 48)"))
    }
}

/// The class of a failed connect.
pub fn classify_connect(error: &sqlx::Error) -> ErrorClass {
    match error {
        sqlx::Error::Database(db) if is_authentication(db.as_ref()) => ErrorClass::Authentication,
        _ => ErrorClass::Connect,
    }
}

/// The class of a failed statement, and whether its connection can be used again.
pub fn classify_statement(error: &sqlx::Error) -> (ErrorClass, bool) {
    match error {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|e| e.number());
            match (code.as_ref(), number) {
                // PostgreSQL: admin shutdown (pg_terminate_backend), crash shutdown, cannot connect now.
                ("57P01" | "57P02" | "57P03", _) => (ErrorClass::ConnectionLost, false),
                // MySQL/MariaDB: connection killed, server shutdown, lost connection.
                (_, Some(1927 | 1053 | 2006 | 2013)) => (ErrorClass::ConnectionLost, false),
                // PostgreSQL: statement timeout (query_canceled), lock not available.
                ("57014" | "55P03", _) => (ErrorClass::StatementTimeout, true),
                // MariaDB max_statement_time, MySQL max_execution_time, lock wait timeout, interrupted.
                (_, Some(1969 | 3024 | 1205 | 1317)) => (ErrorClass::StatementTimeout, true),
                // SQLite: busy or locked past busy_timeout.
                ("5" | "6" | "517" | "262", None) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                    (ErrorClass::StatementTimeout, true)
                }
                _ => (ErrorClass::StatementError, true),
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
            (ErrorClass::ConnectionLost, false)
        }
        _ => (ErrorClass::StatementError, true),
    }
}

fn is_authentication(db: &dyn sqlx::error::DatabaseError) -> bool {
    let code = db.code().unwrap_or_default();
    let number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|e| e.number());
    matches!(code.as_ref(), "28P01" | "28000") || matches!(number, Some(1045 | 1044 | 1698))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_checked_before_they_reach_sql() {
        assert!(check_table_name("perfproof_db_demo").is_ok());
        for bad in ["", "1abc", "users; DROP TABLE x", "a-b", &"x".repeat(49)] {
            assert!(check_table_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn payloads_have_their_size() {
        assert_eq!(payload(7, 40).len(), 40);
        assert_eq!(payload(7, 0), "");
        assert_ne!(payload(7, 16), payload(8, 16));
    }
}
