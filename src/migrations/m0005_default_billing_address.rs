//! A default address per kind: `is_primary` (m0004) stays the default *shipping* address, which
//! the client calls `primary` and lists first; `is_default_billing` is the new default billing
//! address. Existing books keep one default for both: the column starts as a copy of
//! `is_primary`. The constant `false` default only fills existing rows; the application always
//! writes the column.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Addresses {
    Table,
    IsPrimary,
    IsDefaultBilling,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Addresses::Table)
                    .add_column(boolean(Addresses::IsDefaultBilling).default(false))
                    .to_owned(),
            )
            .await?;
        let copy_primary = Query::update()
            .table(Addresses::Table)
            .value(Addresses::IsDefaultBilling, Expr::col(Addresses::IsPrimary))
            .to_owned();
        manager.exec_stmt(copy_primary).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Addresses::Table)
                    .drop_column(Addresses::IsDefaultBilling)
                    .to_owned(),
            )
            .await
    }
}
