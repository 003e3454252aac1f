-- Revoke
REVOKE ALL ON "_LabelToTask" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "_LabelToTask";
ALTER TABLE "_LabelToTask" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "_LabelToTask" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "Label" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Label";
ALTER TABLE "Label" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Label" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "Task" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Task";
ALTER TABLE "Task" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Task" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "Project" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Project";
ALTER TABLE "Project" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Project" DISABLE ROW LEVEL SECURITY;

-- UnrestrictWrites
DROP POLICY "role_delete" ON "Member";
DROP POLICY "role_update" ON "Member";
DROP POLICY "role_insert" ON "Member";

-- Revoke
REVOKE ALL ON "Member" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Member";
ALTER TABLE "Member" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Member" DISABLE ROW LEVEL SECURITY;

-- UnrestrictWrites
DROP POLICY "role_delete" ON "Workspace";
DROP POLICY "role_update" ON "Workspace";
DROP POLICY "role_insert" ON "Workspace";

-- Revoke
REVOKE ALL ON "Workspace" FROM "trato_app";

-- DisableRowLevelSecurity
DROP POLICY "tenant_isolation" ON "Workspace";
ALTER TABLE "Workspace" NO FORCE ROW LEVEL SECURITY;
ALTER TABLE "Workspace" DISABLE ROW LEVEL SECURITY;

-- Revoke
REVOKE ALL ON "Account" FROM "trato_app";

-- Membership
DROP POLICY "member_rank_delete" ON "Member";
DROP POLICY "member_rank_update" ON "Member";
DROP POLICY "member_rank_insert" ON "Member";
DROP POLICY "member_self" ON "Workspace";
DROP POLICY "member_self" ON "Member";
DROP FUNCTION "trato_current_user"();
DROP FUNCTION "trato_current_role"();
DROP FUNCTION "trato_bind"(TEXT, TEXT, TEXT);

-- DropForeignKey
ALTER TABLE "_LabelToTask" DROP CONSTRAINT "_LabelToTask_B_fkey";

-- DropForeignKey
ALTER TABLE "_LabelToTask" DROP CONSTRAINT "_LabelToTask_A_fkey";

-- DropForeignKey
ALTER TABLE "Label" DROP CONSTRAINT "Label_workspace_key_fkey";

-- DropForeignKey
ALTER TABLE "Task" DROP CONSTRAINT "Task_project_id_fkey";

-- DropForeignKey
ALTER TABLE "Task" DROP CONSTRAINT "Task_workspace_key_fkey";

-- DropForeignKey
ALTER TABLE "Project" DROP CONSTRAINT "Project_workspace_key_fkey";

-- DropForeignKey
ALTER TABLE "Member" DROP CONSTRAINT "Member_account_id_fkey";

-- DropForeignKey
ALTER TABLE "Member" DROP CONSTRAINT "Member_workspace_key_fkey";

-- DropIndex
DROP INDEX "_LabelToTask_B_index";

-- DropIndex
DROP INDEX "Label_workspace_key_name_key";

-- DropIndex
DROP INDEX "Task_workspace_key_project_id_idx";

-- DropIndex
DROP INDEX "Member_workspace_key_account_id_key";

-- DropIndex
DROP INDEX "Account_email_key";

-- DropTable
DROP TABLE "_LabelToTask";

-- DropTable
DROP TABLE "Label";

-- DropTable
DROP TABLE "Task";

-- DropTable
DROP TABLE "Project";

-- DropTable
DROP TABLE "Member";

-- DropTable
DROP TABLE "Workspace";

-- DropTable
DROP TABLE "Account";

-- DropEnum
DROP TYPE "Role";

-- Tenancy
DROP FUNCTION "trato_current_tenant"();
DROP FUNCTION "trato_set_tenant"(TEXT);
REVOKE USAGE ON SCHEMA public FROM "trato_app";
