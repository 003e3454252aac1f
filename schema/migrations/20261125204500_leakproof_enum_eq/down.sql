-- Back to PostgreSQL's default.
DO $$
BEGIN
    ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) NOT LEAKPROOF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'enum_eq left as it was: changing it needs a superuser';
END
$$;
