/**
 * A version's page: its replication per region, live while it lasts (polled until every region has
 * Completed or Failed), whether it is its definition's `latest`, and, where the role allows, its
 * publishing settings and target regions to change.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId, resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { Loading } from '../../ui/loading.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { Facts } from '../../ui/facts.tsx';
import { shownDate, shownDateTime } from './form-values.ts';
import type { ImageVersion } from './gallery-resources.ts';
import { latestVersion } from './latest.ts';
import { ReplicationTable } from './replication-table.tsx';
import { isReplicating, useVersionWithStatus } from './replication.ts';
import { VersionPublishingForm } from './version-publishing-form.tsx';
import { VersionRegionsForm } from './version-regions-form.tsx';

export function VersionView(props: ResourceViewProps): ReactNode {
  // The page's own copy (its JSON view, its title) is read again once the replication ends.
  const live = useVersionWithStatus(props.id, props.reload);
  // The forms wait for the caller's permissions: a Reader never sees them appear and vanish.
  const can = usePermissions(props.id);
  const changed = () => {
    live.reload();
    props.reload();
  };
  return (
    <Loading loaded={live} label="Reading replication status…">
      {(version) => {
        const busy = isReplicating(version);
        return (
          <>
            <VersionFacts version={version} />
            <ReplicationTable version={version} live={busy} />
            {can.settled && can('Microsoft.Compute/galleries/images/versions/write') && (
              <>
                {busy && <p className="notice">Changes wait until the replication has finished.</p>}
                <VersionPublishingForm
                  key={JSON.stringify(version.properties.publishingProfile)}
                  version={version}
                  disabled={busy}
                  onSaved={changed}
                />
                <VersionRegionsForm
                  key={JSON.stringify([version.properties.publishingProfile, version.properties.safetyProfile])}
                  version={version}
                  disabled={busy}
                  onSaved={changed}
                />
              </>
            )}
          </>
        );
      }}
    </Loading>
  );
}

function VersionFacts(props: { version: ImageVersion }): ReactNode {
  const { version } = props;
  const { publishingProfile, storageProfile, replicationStatus, provisioningState } = version.properties;
  const source = storageProfile.source?.id ?? storageProfile.osDiskImage?.source?.id;
  return (
    <Facts
      label="Version details"
      facts={[
        ['Provisioning state', provisioningState],
        ['Replication', replicationStatus?.aggregatedState ?? 'Unknown'],
        ['Latest', <LatestFact version={version} />],
        ['Excluded from latest', publishingProfile.excludeFromLatest ? 'Yes' : 'No'],
        ['End of life', shownDate(publishingProfile.endOfLifeDate)],
        ['Published', shownDateTime(publishingProfile.publishedDate)],
        ['Source', source ? <Link to={resourcePath(source)}>{parseId(source).name}</Link> : '—'],
        ['OS disk size', storageProfile.osDiskImage?.sizeInGB ? `${storageProfile.osDiskImage.sizeInGB} GiB` : '—'],
      ]}
    />
  );
}

/**
 * Whether `latest` resolves to this version, from its definition's versions. Read again when this
 * version's state or exclusion changes, the two things of its own that decide it.
 */
function LatestFact(props: { version: ImageVersion }): ReactNode {
  const { client } = useSession();
  const { version } = props;
  const definitionId = parseId(version.id).parent!;
  const siblings = useLoad(
    () => client.list<ImageVersion>(`${definitionId}/versions`, API_VERSIONS.galleries),
    [
      client,
      definitionId,
      version.properties.provisioningState,
      Boolean(version.properties.publishingProfile.excludeFromLatest),
    ],
  );
  return (
    <Loading loaded={siblings}>
      {(versions) => {
        const latest = latestVersion(versions);
        if (latest?.name === version.name) return 'Yes, this version is latest';
        if (!latest) return 'No version is latest';
        return (
          <>
            No, latest is <Link to={resourcePath(latest.id)}>{latest.name}</Link>
          </>
        );
      }}
    </Loading>
  );
}
