-- Reports for agency administrators (issue 14): registrations per month, turnaround from
-- submission to approval, commission totals and fees earned, over a period of up to 36 months.

-- Approvals in a period: the turnaround and fees reports start from the timeline entries that
-- moved a registration to `approved` between two instants. Without it the planner reads every
-- timeline entry of the agency in the period (four or five per registration) to keep one.
CREATE INDEX registration_timeline_approvals ON registration_timeline (tenant_id, at)
    INCLUDE (registration_id) WHERE to_status = 'approved';
