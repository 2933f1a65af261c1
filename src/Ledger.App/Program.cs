using Ledger.App.Cli;

// The composition root: the only place that reads the real clock.
return await LedgerProgram.RunAsync(args, NodaTime.SystemClock.Instance, Console.Out, Console.Error);
