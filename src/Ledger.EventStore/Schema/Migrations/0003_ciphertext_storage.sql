-- Ciphertext does not compress: store encrypted payloads out of line without trying to (no compression attempt
-- on every append of a payload over about 2 kB).
ALTER TABLE {schema}.events ALTER COLUMN data_encrypted SET STORAGE EXTERNAL;
