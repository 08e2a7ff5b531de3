"""Gradescope's results.json, from a RunResult."""

from ..results import PASSED


def gradescope(run):
    """Gradescope's results.json: https://gradescope-autograders.readthedocs.io (results format)."""
    tests = []
    for result in run.checks:
        output = result.message
        if (result.status != PASSED or result.score < result.weight) and result.hint:
            output = (output + '\n' if output else '') + 'Hint: ' + result.hint
        if result.notes:
            output = (output + '\n' if output else '') + '\n'.join('Note: ' + n for n in result.notes)
        explored = exploration(result.details)
        if explored:
            output = (output + '\n' if output else '') + explored
        tests.append({
            'name': result.description,
            'number': result.id,
            'score': result.score,
            'max_score': result.weight,
            'status': 'passed' if result.status == PASSED and result.score >= result.weight else 'failed',
            'output': output,
            'visibility': result.visibility,
            'tags': result.tags,
        })
    data = {'score': run.score, 'execution_time': round(run.execution_time, 3), 'tests': tests,
            'visibility': 'visible', 'stdout_visibility': 'hidden'}
    if run.problem:
        data['output'] = run.problem
    return data


def exploration(details):
    """How far a differential check explored, and the options that replay it locally; '' for other checks."""
    if not isinstance(details, dict) or 'scenarios' not in details:
        return ''
    return ('Played {scenarios} scenarios, {steps} steps in all (chatroom-check --differential-depth {depth} '
            '--differential-budget {budget} --seed {seed} plays the same).'.format(**details))
