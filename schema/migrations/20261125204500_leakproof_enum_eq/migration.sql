-- Hand-written: no schema change. Under row-level security PostgreSQL uses a filter in an index only when
-- its operator is LEAKPROOF; enum equality is not marked so (although it only compares two OIDs and cannot
-- fail or reveal anything), so `WHERE organization_id = $1 AND stage = $2` scanned the whole tenant instead
-- of using the (organization_id, stage) index. Marking it needs a superuser: without one this is skipped
-- with a notice and everything still works, only slower.
DO $$
BEGIN
    ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) LEAKPROOF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'enum_eq left as it was: marking it LEAKPROOF needs a superuser (enum filters under RLS will not use indexes)';
END
$$;
