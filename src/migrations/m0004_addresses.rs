//! The address book. An address belongs to one user (deleted with the account) and points into
//! the geography tree. Deleting an address sets `deleted_at` instead of removing the row, so
//! anything that refers to it later (orders) keeps a valid reference; every address-book query
//! skips deleted rows. Timestamps are written by the application in UTC; no database defaults.
//! `is_primary` marks the one default address per user (since m0005: the default shipping
//! address); the application keeps it single inside a transaction.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Addresses {
    Table,
    Id,
    UserId,
    Title,
    FirstName,
    LastName,
    Email,
    PhoneNumber,
    CountryId,
    CityId,
    TownshipId,
    DistrictId,
    Line,
    Postcode,
    Notes,
    IsCorporate,
    CompanyName,
    TaxOffice,
    TaxNo,
    EBillTaxpayer,
    IdentityNumber,
    IsPrimary,
    AddressType,
    HashData,
    RetailStoreId,
    RemoteId,
    ExtraField,
    Latitude,
    Longitude,
    CreatedDate,
    ModifiedDate,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Countries {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Townships {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Districts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Addresses::Table)
                    .col(big_pk_auto(Addresses::Id))
                    .col(big_integer(Addresses::UserId))
                    .col(string_len(Addresses::Title, 128))
                    .col(string_len(Addresses::FirstName, 255))
                    .col(string_len(Addresses::LastName, 255))
                    .col(string_len_null(Addresses::Email, 254))
                    // Normalized: digits with an optional leading `+`.
                    .col(string_len(Addresses::PhoneNumber, 16))
                    .col(big_integer(Addresses::CountryId))
                    .col(big_integer(Addresses::CityId))
                    .col(big_integer(Addresses::TownshipId))
                    .col(big_integer_null(Addresses::DistrictId))
                    .col(string_len(Addresses::Line, 255))
                    .col(string_len_null(Addresses::Postcode, 64))
                    .col(text_null(Addresses::Notes))
                    .col(boolean(Addresses::IsCorporate))
                    .col(string_len_null(Addresses::CompanyName, 255))
                    .col(string_len_null(Addresses::TaxOffice, 255))
                    .col(string_len_null(Addresses::TaxNo, 20))
                    .col(boolean(Addresses::EBillTaxpayer))
                    .col(string_len_null(Addresses::IdentityNumber, 20))
                    .col(boolean(Addresses::IsPrimary))
                    // `customer` for address-book entries (`retail_store`, `billing` internal).
                    .col(string_len(Addresses::AddressType, 32))
                    // 32 hex characters of SHA-256 over the normalized address.
                    .col(string_len(Addresses::HashData, 32))
                    // No retail stores exist yet; becomes a foreign key with them.
                    .col(big_integer_null(Addresses::RetailStoreId))
                    .col(string_len_null(Addresses::RemoteId, 255))
                    .col(json_null(Addresses::ExtraField))
                    .col(string_len_null(Addresses::Latitude, 32))
                    .col(string_len_null(Addresses::Longitude, 32))
                    .col(timestamp_with_time_zone(Addresses::CreatedDate))
                    .col(timestamp_with_time_zone(Addresses::ModifiedDate))
                    .col(timestamp_with_time_zone_null(Addresses::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_user_id")
                            .from(Addresses::Table, Addresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_country_id")
                            .from(Addresses::Table, Addresses::CountryId)
                            .to(Countries::Table, Countries::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_city_id")
                            .from(Addresses::Table, Addresses::CityId)
                            .to(Cities::Table, Cities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_township_id")
                            .from(Addresses::Table, Addresses::TownshipId)
                            .to(Townships::Table, Townships::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("addresses_district_id")
                            .from(Addresses::Table, Addresses::DistrictId)
                            .to(Districts::Table, Districts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The address book of one user: listed, counted against the limit, primary switched.
        manager
            .create_index(
                Index::create()
                    .name("addresses_user_id")
                    .table(Addresses::Table)
                    .col(Addresses::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Addresses::Table).to_owned())
            .await
    }
}
