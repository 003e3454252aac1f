-- Hand-written: the schema did not change, the generated policy condition did. The current tenant is now
-- read in a scalar subquery, evaluated once per statement (an InitPlan) instead of once per row.

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "organizations" USING ("id" = (SELECT "trato_current_tenant"())) WITH CHECK ("id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "organization_members" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "companies" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "deals" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "documents" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "document_chunks" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "facts" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "activities" USING ("organization_id" = (SELECT "trato_current_tenant"())) WITH CHECK ("organization_id" = (SELECT "trato_current_tenant"()));
