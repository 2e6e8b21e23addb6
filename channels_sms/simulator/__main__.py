import argparse

from channels_sms.simulator.runner import add_arguments, serve

parser = argparse.ArgumentParser(
    prog="python -m channels_sms.simulator",
    description="Twilio- and Vonage-compatible SMS simulator (see docs/simulator.md).",
)
add_arguments(parser)
serve(**vars(parser.parse_args()))
