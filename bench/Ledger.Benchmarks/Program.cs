using Ledger.Benchmarks;

// Benchmarks run against a durable PostgreSQL (fsync and synchronous_commit on): one they start themselves
// from the installed binaries, or the one named by --connection.
return args.FirstOrDefault() switch
{
    "append" => await AppendBenchmark.RunAsync(args[1..]),
    "projections" => await ProjectionBenchmarks.RunAsync(args[1..]),
    "ingestion" => await IngestionBenchmark.RunAsync(args[1..]),
    "cabinet" => await CabinetBenchmark.RunAsync(args[1..]),
    "fhir" => await FhirBenchmark.RunAsync(args[1..]),
    "pdf" => await PdfBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/Ledger.Benchmarks -- <benchmark> [options]
          append       [--seconds N] [--connection CS] [--profile]           appends of 1 and 100 events: raw INSERTs, vanilla Marten, the ledger
          projections  [--events N] [--seconds N] [--rate N]   catch-up, append-to-projected latency
          ingestion    [--seconds N] [--clients N] [--rate N] [--connection CS] HL7 v2 over MLLP and HTTP: max rate, ACK latency
          cabinet      [--patients N] [--documents N] [--seconds N] [--clients N]  cabinet list and trend queries over HTTP, p50/p99, and the same SQL over raw Npgsql (the baseline)
          pdf          [--runs N]                          PDFsharp against Chromium's print-to-PDF: one 20-observation result and a 10-document selection, ms per document and bytes (no database)
          fhir         [--months N] [--seconds N]          Observation?code for one patient with N monthly panels of 20 values, 1 client, p50/p99 and the raw-PostgreSQL baseline
        """);
    return 2;
}
