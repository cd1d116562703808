import sys; sys.path.insert(0, '/tmp/odkim-research/lib')
import runner
conf = sys.argv[1] if len(sys.argv) > 1 else 'baseline'
extra = sys.argv[2].replace('\\n', '\n') + '\n' if len(sys.argv) > 2 else ''
ids = sys.argv[3].split(',') if len(sys.argv) > 3 else None
runner.show(runner.run(conf, extra, ids), verbose=True)
