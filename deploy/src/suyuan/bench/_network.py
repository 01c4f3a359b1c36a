"""What the benchmarks share: the trace API's services over a fresh anvil node, and organisations
admitted through them as ``suyuan org add`` admits one."""

from __future__ import annotations

from eth_account import Account

from chain import ChainClient, Keystore, LocalNode, connect, deploy_contracts, id_hash
from evidence import open_ledger
from trace_api.chainops import ChainWorker
from trace_api.orgs import Member, OrganisationIn
from trace_api.orgs import admit_organisation as admit
from trace_api.services import Services
from trace_api.settings import ServiceSettings


def fresh_services(node: LocalNode, settings: ServiceSettings) -> Services:
    """Services over ``settings``' database with the contracts newly deployed on ``node``."""
    assert node.rpc_url is not None
    w3 = connect(node.rpc_url)
    regulator = Account.create()
    chain = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("bench")))
    ledger = open_ledger(settings)
    keystore = Keystore(settings.keys_dir, "bench", scrypt_n=2**10)
    services = Services(settings, ledger.engine, ledger, chain, keystore, regulator)
    services.create_tables()
    return services


def admit_organisation(
    services: Services, handle: str, name: str, org_type: str, uscc: str, jurisdiction: str = "bench"
) -> tuple[Member, str]:
    """The organisation, admitted with its role granted on chain, as its first member and that
    member's key."""
    data = OrganisationIn.model_validate(
        {"handle": handle, "name": name, "org_type": org_type, "uscc": uscc, "jurisdiction": jurisdiction}
    )
    org, key = admit(services, data)
    ChainWorker(services).drain()  # the grant is owed to the chain: sent now, as `suyuan org add` does
    return Member(org=org, key_id=key.split("_")[1], kind="member"), key
