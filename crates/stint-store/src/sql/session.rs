//! The sqlx glue of an adapter, written once: [`sqlx_session!`](crate::sqlx_session).
//!
//! The two drivers' connection, row and argument types differ while the calls on them are the
//! same, and this crate does not depend on sqlx (it stays driver-free), so the glue is a macro
//! that expands in the adapter, where `sqlx`, `futures` and `async_trait` are its dependencies.

/// Defines, in the calling module, `Session<C>` (wrapping a connection of one sqlx driver, or
/// what holds one: a pooled connection, a transaction, a `&mut`) implementing
/// [`Session`](crate::sql::Session), and [`Transaction`](crate::sql::Transaction) when it wraps
/// a transaction; its `Row` implementing [`RowValues`](crate::sql::RowValues); and `bind`, which
/// binds [`Param`](crate::sql::Param)s.
///
/// ```ignore
/// stint_store::sqlx_session!(sqlx::Sqlite, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow, from_sqlx);
/// ```
#[macro_export]
macro_rules! sqlx_session {
    ($database:ty, $connection:ty, $row:ty, $from_sqlx:path $(,)?) => {
        /// A connection of the store (perhaps inside a transaction), as the shared SQL code
        /// runs statements on it.
        pub struct Session<C>(pub C);

        /// One row of a query's result.
        pub struct Row($row);

        type Query<'q> =
            ::sqlx::query::Query<'q, $database, <$database as ::sqlx::Database>::Arguments<'q>>;

        impl $crate::sql::RowValues for Row {
            fn integer(&self, column: usize) -> Result<i64, $crate::StoreError> {
                ::sqlx::Row::try_get(&self.0, column).map_err($from_sqlx)
            }

            fn text(&self, column: usize) -> Result<String, $crate::StoreError> {
                ::sqlx::Row::try_get(&self.0, column).map_err($from_sqlx)
            }

            fn optional_integer(&self, column: usize) -> Result<Option<i64>, $crate::StoreError> {
                ::sqlx::Row::try_get(&self.0, column).map_err($from_sqlx)
            }

            fn optional_text(&self, column: usize) -> Result<Option<String>, $crate::StoreError> {
                ::sqlx::Row::try_get(&self.0, column).map_err($from_sqlx)
            }
        }

        #[::async_trait::async_trait]
        impl<C> $crate::sql::Session for Session<C>
        where
            C: ::std::ops::DerefMut<Target = $connection> + Send,
        {
            type Row = Row;

            async fn execute(
                &mut self,
                sql: &str,
                params: Vec<$crate::sql::Param>,
            ) -> Result<(), $crate::StoreError> {
                let connection: &mut $connection = &mut self.0;
                bind(::sqlx::query(sql), params)
                    .execute(connection)
                    .await
                    .map_err($from_sqlx)?;
                Ok(())
            }

            async fn execute_script(&mut self, sql: &str) -> Result<(), $crate::StoreError> {
                let connection: &mut $connection = &mut self.0;
                // `RawSql::execute` is generic over its executor, which makes this future fail
                // the `Send` check; the executor's own method is not.
                ::sqlx::Executor::execute(connection, ::sqlx::raw_sql(sql))
                    .await
                    .map_err($from_sqlx)?;
                Ok(())
            }

            async fn fetch_all(
                &mut self,
                sql: &str,
                params: Vec<$crate::sql::Param>,
            ) -> Result<Vec<Row>, $crate::StoreError> {
                let connection: &mut $connection = &mut self.0;
                let rows = bind(::sqlx::query(sql), params)
                    .fetch_all(connection)
                    .await
                    .map_err($from_sqlx)?;
                Ok(rows.into_iter().map(Row).collect())
            }

            fn fetch_texts<'s>(
                &'s mut self,
                sql: &'s str,
            ) -> ::futures::stream::BoxStream<'s, Result<String, $crate::StoreError>> {
                let connection: &mut $connection = &mut self.0;
                let texts = ::sqlx::query_scalar::<_, String>(sql).fetch(connection);
                Box::pin(::futures::TryStreamExt::map_err(texts, $from_sqlx))
            }
        }

        #[::async_trait::async_trait]
        impl $crate::sql::Transaction for Session<::sqlx::Transaction<'static, $database>> {
            async fn commit(self) -> Result<(), $crate::StoreError> {
                self.0.commit().await.map_err($from_sqlx)
            }
        }

        /// Binds the parameters in order.
        fn bind(query: Query<'_>, params: Vec<$crate::sql::Param>) -> Query<'_> {
            params.into_iter().fold(query, |query, param| match param {
                $crate::sql::Param::Integer(number) => query.bind(number),
                $crate::sql::Param::Text(text) => query.bind(text),
                $crate::sql::Param::OptionalText(text) => query.bind(text),
                $crate::sql::Param::OptionalInteger(number) => query.bind(number),
            })
        }
    };
}
