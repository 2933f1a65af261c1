global using Ledger.Testing;
global using Xunit;
