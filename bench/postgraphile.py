"""The peer of `bench/run --peer postgraphile`: PostGraphile 4 from npm, on the benchmark's own
PostgreSQL database, asked for the same condition page in its own schema.

PostGraphile derives its schema from the tables. Two names of ours clash with its Relay names
(the table `node` with the `Node` interface, and every `node_id` column with the `nodeId`
field), so before it starts the database gets the smart comments it documents for that
(`@name`); caregraph never reads comments. The comments stay in the database, which the
benchmark drops at the end.
"""

import json
import os
import shutil
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Pinned with every dependency in bench/postgraphile-peer/package-lock.json.
VERSION = "4.14.1"

# The same facts as caregraph's CONDITION_PAGE (tests/api/questions.rs): published links of
# each relation, the far end's name, the link's attributes, published citations with their
# quotes (and the node's citations' source titles), the treatments' published risks.
PUBLISHED = 'status: "PUBLISHED"'
QUERY = """query ConditionPage($slug: String!) {
  graphNodeBySlug(slug: $slug) {
    name summary codings
    citationsByGraphNodeId(condition: {%(p)s}) { nodes { quote sourceBySourceId { title } } }
    symptoms: edgesBySubjectId(condition: {predicate: "has_symptom", negated: false, %(p)s}) {
      nodes { timing graphNodeByObjectId { name } citationsByEdgeId(condition: {%(p)s}) { nodes { quote } } }
    }
    causes: edgesBySubjectId(condition: {predicate: "caused_by", negated: false, %(p)s}) {
      nodes { note graphNodeByObjectId { name } citationsByEdgeId(condition: {%(p)s}) { nodes { quote } } }
    }
    notCausedBy: edgesBySubjectId(condition: {predicate: "caused_by", negated: true, %(p)s}) {
      nodes { negated note graphNodeByObjectId { name } citationsByEdgeId(condition: {%(p)s}) { nodes { quote } } }
    }
    treatments: edgesBySubjectId(condition: {predicate: "treated_by", negated: false, %(p)s}) {
      nodes {
        place circumstance howTo note
        graphNodeByObjectId {
          name treatmentType
          risks: edgesBySubjectId(condition: {predicate: "has_adverse_risk", negated: false, %(p)s}) {
            nodes { graphNodeByObjectId { name } }
          }
        }
        citationsByEdgeId(condition: {%(p)s}) { nodes { quote } }
      }
    }
    riskFactors: edgesBySubjectId(condition: {predicate: "has_risk_factor", negated: false, %(p)s}) {
      nodes { note graphNodeByObjectId { name } citationsByEdgeId(condition: {%(p)s}) { nodes { quote } } }
    }
  }
}""" % {"p": PUBLISHED}


def install(folder, log):
    """Installs the peer into `folder` with `npm ci`, from bench/postgraphile-peer's
    package.json and lock file (every package's version pinned), unless it is there."""
    binary = os.path.join(folder, "node_modules", ".bin", "postgraphile")
    lock = os.path.join(HERE, "postgraphile-peer", "package-lock.json")
    installed_lock = os.path.join(folder, "package-lock.json")
    if os.path.exists(binary) and _same_file(lock, installed_lock):
        return binary, None
    os.makedirs(folder, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, "postgraphile-peer", name), os.path.join(folder, name))
    log(f"installing postgraphile@{VERSION} from npm into {folder} (npm ci)")
    started = time.monotonic()
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True)
    return binary, time.monotonic() - started


def _same_file(a, b):
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def annotate(psql, url):
    """The smart comments PostGraphile needs to build a schema on caregraph's tables."""
    columns = subprocess.run(
        [psql, url, "-Atc",
         "SELECT table_name FROM information_schema.columns "
         "WHERE table_schema = 'public' AND column_name = 'node_id'"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    sql = ["COMMENT ON TABLE node IS E'@name graph_node';"]
    sql += [f"COMMENT ON COLUMN {t}.node_id IS E'@name graph_node_id';" for t in columns]
    subprocess.run([psql, url, "-q", "-v", "ON_ERROR_STOP=1", "-c", "\n".join(sql)], check=True)


def start(binary, url, port, logfile):
    env = {**os.environ, "NODE_ENV": "production"}
    return subprocess.Popen(
        [
            binary, "--connection", url, "--schema", "public",
            "--host", "127.0.0.1", "--port", str(port),
            "--dynamic-json", "--disable-query-log", "--disable-graphiql",
        ],
        env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )


def bodies(slugs):
    return [{"query": QUERY, "variables": {"slug": s}} for s in slugs]


def _quotes(citations):
    return sorted(c["quote"] for c in citations)


def facts_of_caregraph(answer):
    """The condition page's facts, in a form both servers' answers reduce to."""
    c = answer["data"]["condition"]

    def link(l, far, attrs):
        return [l[far]["name"], *[l.get(a) for a in attrs], _quotes(l["citations"])]

    return {
        "name": c["name"],
        "summary": c["summary"],
        "codings": sorted((x["system"], x["code"], x["match"]) for x in c["codings"]),
        "citations": sorted((x["quote"], x["source"]["title"]) for x in c["citations"]),
        "symptoms": sorted(link(l, "symptom", ["timing"]) for l in c["symptomLinks"]),
        "causes": sorted(link(l, "cause", ["note"]) for l in c["causeLinks"]),
        "notCausedBy": sorted(link(l, "cause", ["negated", "note"]) for l in c["notCausedBy"]),
        "treatments": sorted(
            link(l, "treatment", ["place", "circumstance", "howTo", "note"])
            + [l["treatment"]["treatmentType"], sorted(r["name"] for r in l["treatment"]["risks"])]
            for l in c["treatmentLinks"]
        ),
        "riskFactors": sorted(link(l, "risk", ["note"]) for l in c["riskFactorLinks"]),
    }


def facts_of_peer(answer):
    n = answer["data"]["graphNodeBySlug"]

    def links(key, attrs, extra=None):
        out = []
        for e in n[key]["nodes"]:
            far = e["graphNodeByObjectId"]
            row = [far["name"], *[e.get(a) for a in attrs], _quotes(e["citationsByEdgeId"]["nodes"])]
            if extra:
                row += extra(far)
            out.append(row)
        return sorted(out)

    return {
        "name": n["name"],
        "summary": n["summary"],
        "codings": sorted((x["system"], x["code"], x["match"]) for x in n["codings"] or []),
        "citations": sorted(
            (x["quote"], x["sourceBySourceId"]["title"]) for x in n["citationsByGraphNodeId"]["nodes"]
        ),
        "symptoms": links("symptoms", ["timing"]),
        "causes": links("causes", ["note"]),
        "notCausedBy": links("notCausedBy", ["negated", "note"]),
        "treatments": links(
            "treatments", ["place", "circumstance", "howTo", "note"],
            lambda far: [far["treatmentType"], sorted(r["graphNodeByObjectId"]["name"] for r in far["risks"]["nodes"])],
        ),
        "riskFactors": links("riskFactors", ["note"]),
    }


def same_facts(post, ours_url, ours_body, peer_url, peer_body):
    """Asks both servers for one page; returns a description of the first difference, or None."""
    ours = facts_of_caregraph(json.loads(post(ours_url, ours_body)))
    theirs_raw = json.loads(post(peer_url, peer_body))
    if theirs_raw.get("errors"):
        return f"PostGraphile answered with errors: {theirs_raw['errors']}"
    theirs = facts_of_peer(theirs_raw)
    for key in ours:
        if ours[key] != theirs[key]:
            return f"{key}: caregraph {ours[key]!r} != PostGraphile {theirs[key]!r}"
    if not ours["symptoms"] and not ours["treatments"]:
        return "the page has no links: nothing was compared"
    return None
