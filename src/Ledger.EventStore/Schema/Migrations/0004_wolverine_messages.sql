-- Wolverine keeps the follow-up messages now (wolverine_incoming_envelopes, wolverine_dead_letters, ... in the same
-- schema, created through Marten's integration). The ledger's own outbox tables of 0002 go.
DROP TABLE IF EXISTS {schema}.messages;
DROP TABLE IF EXISTS {schema}.dead_letters;
DROP TABLE IF EXISTS {schema}.handled_messages;
