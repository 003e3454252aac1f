-- Back to the per-row condition of the initial migration.

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "organizations" USING ("id" = "trato_current_tenant"()) WITH CHECK ("id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "organization_members" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "companies" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "deals" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "documents" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "document_chunks" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "facts" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());

-- AlterPolicy
ALTER POLICY "tenant_isolation" ON "activities" USING ("organization_id" = "trato_current_tenant"()) WITH CHECK ("organization_id" = "trato_current_tenant"());
