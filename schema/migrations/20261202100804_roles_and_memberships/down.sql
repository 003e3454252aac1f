-- UnrestrictWrites
DROP POLICY "role_delete" ON "organization_members";
DROP POLICY "role_update" ON "organization_members";
DROP POLICY "role_insert" ON "organization_members";

-- UnrestrictWrites
DROP POLICY "role_delete" ON "organizations";
DROP POLICY "role_update" ON "organizations";
DROP POLICY "role_insert" ON "organizations";

-- Membership
DROP POLICY "member_rank_delete" ON "organization_members";
DROP POLICY "member_rank_update" ON "organization_members";
DROP POLICY "member_rank_insert" ON "organization_members";
DROP POLICY "member_self" ON "organizations";
DROP POLICY "member_self" ON "organization_members";
DROP FUNCTION "trato_current_user"();
DROP FUNCTION "trato_current_role"();
DROP FUNCTION "trato_bind"(TEXT, TEXT, TEXT);
