namespace MndFhir.Data.Tests;

public sealed class SqliteDatabaseTests
{
    [Fact]
    public Task Records_round_trip_with_partial_dates_and_enums() =>
        DatabaseBehaviour.Records_round_trip_with_partial_dates_and_enums(DatabaseProvider.Sqlite);

    [Fact]
    public Task Records_read_raw_are_the_records_ef_reads_every_property_set_or_null() =>
        DatabaseBehaviour.Records_read_raw_are_the_records_ef_reads_every_property_set_or_null(DatabaseProvider.Sqlite);

    [Fact]
    public Task The_ledger_holds_one_entry_per_destination_and_resource() =>
        DatabaseBehaviour.The_ledger_holds_one_entry_per_destination_and_resource(DatabaseProvider.Sqlite);

    [Fact]
    public Task Ledger_entries_inserted_raw_are_what_ef_reads_with_their_keys_set() =>
        DatabaseBehaviour.Ledger_entries_inserted_raw_are_what_ef_reads_with_their_keys_set(DatabaseProvider.Sqlite);

    [Fact]
    public Task A_lease_is_held_by_one_holder_until_it_expires_or_is_released() =>
        DatabaseBehaviour.A_lease_is_held_by_one_holder_until_it_expires_or_is_released(DatabaseProvider.Sqlite);
}
