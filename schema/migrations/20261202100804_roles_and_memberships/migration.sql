-- Membership
-- Binds tenant, role and member of the current transaction with SET LOCAL (bound parameters).
CREATE FUNCTION "trato_bind"(tenant TEXT, member_role TEXT, member TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL trato.tenant_id = %L', coalesce(tenant, ''));
    EXECUTE format('SET LOCAL trato.role = %L', coalesce(member_role, ''));
    EXECUTE format('SET LOCAL trato.user_id = %L', coalesce(member, ''));
END
$$;
CREATE FUNCTION "trato_current_role"() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.role', true), '')
$$;
CREATE FUNCTION "trato_current_user"() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.user_id', true), '')
$$;
GRANT EXECUTE ON FUNCTION "trato_bind"(TEXT, TEXT, TEXT), "trato_current_role"(), "trato_current_user"() TO "trato_app";

-- Outside any tenant, a user reads their own memberships and the tenants they belong to, nothing else.
CREATE POLICY "member_self" ON "organization_members" FOR SELECT USING ((SELECT "trato_current_tenant"()) IS NULL AND "user_id" = (SELECT "trato_current_user"()));
CREATE POLICY "member_self" ON "organizations" FOR SELECT USING ((SELECT "trato_current_tenant"()) IS NULL AND EXISTS (SELECT 1 FROM "organization_members" m WHERE m."organization_id" = "organizations"."id" AND m."user_id" = (SELECT "trato_current_user"())));

-- Nobody changes their own membership, or gives, changes or removes a role above their own.
CREATE POLICY "member_rank_insert" ON "organization_members" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = 'SYSTEM' OR array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], (SELECT "trato_current_role"())));
CREATE POLICY "member_rank_update" ON "organization_members" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = 'SYSTEM' OR ("user_id" IS DISTINCT FROM (SELECT "trato_current_user"()) AND array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], (SELECT "trato_current_role"())))) WITH CHECK ((SELECT "trato_current_role"()) = 'SYSTEM' OR ("user_id" IS DISTINCT FROM (SELECT "trato_current_user"()) AND array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], (SELECT "trato_current_role"()))));
CREATE POLICY "member_rank_delete" ON "organization_members" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = 'SYSTEM' OR array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']::text[], (SELECT "trato_current_role"())));

-- RestrictWrites
CREATE POLICY "role_insert" ON "organizations" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));
CREATE POLICY "role_update" ON "organizations" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[])) WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));
CREATE POLICY "role_delete" ON "organizations" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));

-- RestrictWrites
CREATE POLICY "role_insert" ON "organization_members" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));
CREATE POLICY "role_update" ON "organization_members" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[])) WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));
CREATE POLICY "role_delete" ON "organization_members" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'ADMIN', 'SYSTEM']::text[]));
