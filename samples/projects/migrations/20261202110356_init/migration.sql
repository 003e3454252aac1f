-- Tenancy
-- The application role: owns nothing, cannot bypass row-level security. Login roles join it.
DO $$
BEGIN
    CREATE ROLE "trato_app" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO "trato_app";

-- Binds the tenant of the current transaction with SET LOCAL (a bound parameter, never a session SET).
CREATE FUNCTION "trato_set_tenant"(tenant TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL trato.tenant_id = %L', tenant);
END
$$;

-- The tenant bound to the current transaction, or NULL: no binding means no rows.
CREATE FUNCTION "trato_current_tenant"() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('trato.tenant_id', true), '')
$$;
GRANT EXECUTE ON FUNCTION "trato_set_tenant"(TEXT), "trato_current_tenant"() TO "trato_app";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('OWNER', 'EDITOR', 'GUEST');

-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Workspace" (
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" TEXT NOT NULL,
    "workspace_key" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'EDITOR',

    CONSTRAINT "Member_pkey" PRIMARY KEY ("workspace_key", "id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL,
    "workspace_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("workspace_key", "id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "workspace_key" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "done" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("workspace_key", "id")
);

-- CreateTable
CREATE TABLE "Label" (
    "id" TEXT NOT NULL,
    "workspace_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Label_pkey" PRIMARY KEY ("workspace_key", "id")
);

-- CreateTable
CREATE TABLE "_LabelToTask" (
    "workspace_key" TEXT NOT NULL,
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_LabelToTask_AB_pkey" PRIMARY KEY ("workspace_key", "A", "B")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_email_key" ON "Account"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Member_workspace_key_account_id_key" ON "Member"("workspace_key", "account_id");

-- CreateIndex
CREATE INDEX "Task_workspace_key_project_id_idx" ON "Task"("workspace_key", "project_id");

-- CreateIndex
CREATE UNIQUE INDEX "Label_workspace_key_name_key" ON "Label"("workspace_key", "name");

-- CreateIndex
CREATE INDEX "_LabelToTask_B_index" ON "_LabelToTask"("workspace_key", "B");

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_workspace_key_fkey" FOREIGN KEY ("workspace_key") REFERENCES "Workspace"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_workspace_key_fkey" FOREIGN KEY ("workspace_key") REFERENCES "Workspace"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_workspace_key_fkey" FOREIGN KEY ("workspace_key") REFERENCES "Workspace"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_project_id_fkey" FOREIGN KEY ("workspace_key", "project_id") REFERENCES "Project"("workspace_key", "id") ON DELETE CASCADE;

-- AddForeignKey
ALTER TABLE "Label" ADD CONSTRAINT "Label_workspace_key_fkey" FOREIGN KEY ("workspace_key") REFERENCES "Workspace"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_LabelToTask" ADD CONSTRAINT "_LabelToTask_A_fkey" FOREIGN KEY ("workspace_key", "A") REFERENCES "Label"("workspace_key", "id") ON DELETE CASCADE;

-- AddForeignKey
ALTER TABLE "_LabelToTask" ADD CONSTRAINT "_LabelToTask_B_fkey" FOREIGN KEY ("workspace_key", "B") REFERENCES "Task"("workspace_key", "id") ON DELETE CASCADE;

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
CREATE POLICY "member_self" ON "Member" FOR SELECT USING ((SELECT "trato_current_tenant"()) IS NULL AND "account_id" = (SELECT "trato_current_user"()));
CREATE POLICY "member_self" ON "Workspace" FOR SELECT USING ((SELECT "trato_current_tenant"()) IS NULL AND EXISTS (SELECT 1 FROM "Member" m WHERE m."workspace_key" = "Workspace"."key" AND m."account_id" = (SELECT "trato_current_user"())));

-- Nobody changes their own membership, or gives, changes or removes a role above their own.
CREATE POLICY "member_rank_insert" ON "Member" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = 'SYSTEM' OR array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], (SELECT "trato_current_role"())));
CREATE POLICY "member_rank_update" ON "Member" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = 'SYSTEM' OR ("account_id" IS DISTINCT FROM (SELECT "trato_current_user"()) AND array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], (SELECT "trato_current_role"())))) WITH CHECK ((SELECT "trato_current_role"()) = 'SYSTEM' OR ("account_id" IS DISTINCT FROM (SELECT "trato_current_user"()) AND array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], (SELECT "trato_current_role"()))));
CREATE POLICY "member_rank_delete" ON "Member" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = 'SYSTEM' OR array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], "role"::text) >= array_position(ARRAY['OWNER', 'EDITOR', 'GUEST']::text[], (SELECT "trato_current_role"())));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Account" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "Workspace" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Workspace" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Workspace" USING ("key" = (SELECT "trato_current_tenant"())) WITH CHECK ("key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Workspace" TO "trato_app";

-- RestrictWrites
CREATE POLICY "role_insert" ON "Workspace" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));
CREATE POLICY "role_update" ON "Workspace" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[])) WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));
CREATE POLICY "role_delete" ON "Workspace" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));

-- EnableRowLevelSecurity
ALTER TABLE "Member" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Member" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Member" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Member" TO "trato_app";

-- RestrictWrites
CREATE POLICY "role_insert" ON "Member" AS RESTRICTIVE FOR INSERT WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));
CREATE POLICY "role_update" ON "Member" AS RESTRICTIVE FOR UPDATE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[])) WITH CHECK ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));
CREATE POLICY "role_delete" ON "Member" AS RESTRICTIVE FOR DELETE USING ((SELECT "trato_current_role"()) = ANY (ARRAY['OWNER', 'SYSTEM']::text[]));

-- EnableRowLevelSecurity
ALTER TABLE "Project" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Project" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Project" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Project" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "Task" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Task" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Task" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Task" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "Label" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Label" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Label" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Label" TO "trato_app";

-- EnableRowLevelSecurity
ALTER TABLE "_LabelToTask" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "_LabelToTask" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "_LabelToTask" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "_LabelToTask" TO "trato_app";
