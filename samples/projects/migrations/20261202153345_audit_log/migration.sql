-- CreateEnum
CREATE TYPE "EventKind" AS ENUM ('TASK_CREATED', 'TASK_UPDATED', 'OTHER');

-- CreateTable
CREATE TABLE "Event" (
    "id" TEXT NOT NULL,
    "workspace_key" TEXT NOT NULL,
    "kind" "EventKind" NOT NULL,
    "summary" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "account_id" TEXT,
    "task_id" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("workspace_key", "id")
);

-- CreateIndex
CREATE INDEX "Event_workspace_key_at_idx" ON "Event"("workspace_key", "at");

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_workspace_key_fkey" FOREIGN KEY ("workspace_key") REFERENCES "Workspace"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_task_id_fkey" FOREIGN KEY ("workspace_key", "task_id") REFERENCES "Task"("workspace_key", "id") ON DELETE SET NULL ("task_id");

-- EnableRowLevelSecurity
ALTER TABLE "Event" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Event" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Event" USING ("workspace_key" = (SELECT "trato_current_tenant"())) WITH CHECK ("workspace_key" = (SELECT "trato_current_tenant"()));

-- Grant
GRANT SELECT, INSERT, UPDATE, DELETE ON "Event" TO "trato_app";
